// HTTP/2 over TLS beside HTTP/1.1 (ALPN): the server with its stream limits and
// flow-control windows, and the sessions a drain must end with GOAWAY. Created
// by tls.ts (the server) and HttpServer (the session registry) in workers.

import type { IncomingMessage, ServerResponse } from 'node:http';
import { createRequire } from 'node:module';
import type * as http2 from 'node:http2';
import type { Http2SecureServer, ServerHttp2Session } from 'node:http2';
import type { TlsOptions } from 'node:tls';
import { HttpError, refuseWith } from './http-error.js';
import type { Http1Settings } from './tls.js';
import { hostFault } from './wire/host.js';

export interface Http2Limits {
  /** Largest request head (HPACK-decoded field lines), from the HTTP/1.1 limits. */
  readonly maxHeaderListSize: number;
  /** Most header fields in a request, pseudo-headers included. */
  readonly maxHeaderListPairs: number;
  /** An idle session (no stream open) gets GOAWAY after this long. */
  readonly idleTimeoutMs: number;
}

/** Streams one client may have open at once (RFC 9113 asks for at least 100). */
export const MAX_CONCURRENT_STREAMS = 100;
/** Per-stream receive window: a request body may run this far ahead of the app's reads. */
export const STREAM_WINDOW = 256 * 1024;
/** Per-connection receive window, shared by its streams. */
export const SESSION_WINDOW = 1024 * 1024;

type Listener = (req: IncomingMessage, res: ServerResponse) => void;

export function createHttp2Server(secure: TlsOptions, http1: Http1Settings, limits: Http2Limits, listener: Listener): Http2SecureServer {
  // node:http2 (about 5 MB) is loaded by the first HTTP/2 listener, not by every worker that imports the engine.
  const server = (createRequire(import.meta.url)('node:http2') as typeof http2).createSecureServer(
    {
      ...secure,
      ...http1,
      allowHTTP1: true,
      maxSessionMemory: 32,
      maxHeaderListPairs: limits.maxHeaderListPairs,
      settings: {
        maxConcurrentStreams: MAX_CONCURRENT_STREAMS,
        initialWindowSize: STREAM_WINDOW,
        maxHeaderListSize: limits.maxHeaderListSize,
        // No extended CONNECT: WebSocket clients use HTTP/1.1 (see docs/websockets.md).
        enableConnectProtocol: false,
      },
    },
    listener as unknown as (req: http2.Http2ServerRequest, res: http2.Http2ServerResponse) => void,
  );
  // Node 20 does not take node:http's options from the constructor for its
  // HTTP/1.1 fallback; the fallback reads them from the server object.
  Object.assign(server, http1);
  server.on('session', (session: ServerHttp2Session) => {
    session.once('connect', () => session.setLocalWindowSize(SESSION_WINDOW));
    // GOAWAY, not a reset: streams in flight finish, the client reconnects for new ones.
    if (limits.idleTimeoutMs > 0) session.setTimeout(limits.idleTimeoutMs, () => session.close());
  });
  return server;
}

/** The HTTP/2 sessions of a worker's servers, so a drain can send each GOAWAY. */
export class Http2Sessions {
  readonly #sessions = new Set<ServerHttp2Session>();
  #closing = false;

  watch(server: Http2SecureServer): void {
    server.on('session', (session: ServerHttp2Session) => {
      if (this.#closing) {
        session.close();
        return;
      }
      this.#sessions.add(session);
      session.once('close', () => this.#sessions.delete(session));
    });
  }

  /** Sends GOAWAY on every session; each closes once its open streams are done. */
  closeAll(): void {
    this.#closing = true;
    for (const session of this.#sessions) session.close();
  }

  get size(): number {
    return this.#sessions.size;
  }
}

/**
 * Gunicorn's header_map for HTTP/2 requests, which do not pass the HTTP/1.1
 * gate: names with `_` are dropped (or the request refused with 400) before
 * the app sees them. Returns false when it answered the request itself.
 */
export function applyHeaderMap(req: IncomingMessage, res: ServerResponse, headerMap: 'drop' | 'refuse' | 'dangerous'): boolean {
  if (headerMap === 'dangerous') return true;
  const raw = req.rawHeaders;
  let found = false;
  for (let i = 0; i < raw.length && !found; i += 2) found = raw[i]!.includes('_');
  if (!found) return true;
  if (headerMap === 'refuse') {
    res.writeHead(400, { 'content-type': 'text/plain; charset=utf-8' });
    res.end('Bad Request\n');
    return false;
  }
  const kept: string[] = [];
  for (let i = 0; i < raw.length; i += 2) {
    if (raw[i]!.includes('_')) delete req.headers[raw[i]!];
    else kept.push(raw[i]!, raw[i + 1]!);
  }
  raw.splice(0, raw.length, ...kept);
  return true;
}

/**
 * HTTP/1.1's Host rule for :authority (RFC 9113 8.3.1, which refers to RFC
 * 9110 7.2), and for a Host field sent beside or instead of it: an invalid
 * one is answered 400 with its reason on the stream and never reaches the
 * app. Returns false when it answered.
 */
export function checkAuthority(req: IncomingMessage, res: ServerResponse): boolean {
  for (const name of [':authority', 'host']) {
    const value = req.headers[name];
    if (value === undefined) continue;
    const fault = Array.isArray(value) ? `repeated ${name}` : hostFault(value);
    if (fault === null) continue;
    refuseWith(res, new HttpError(400, fault.replace('Host', name)));
    return false;
  }
  return true;
}
