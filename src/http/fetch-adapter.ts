// Serves a fetch-style app (`fetch(request, ctx) -> Response`) as a node:http
// request listener, for the requests node:http carries (TLS, HTTP/2, apps
// that take upgrades; plain HTTP/1.1 is served by fetch-connection.ts): the
// Request from fetch-request.ts (no global is patched), the Response through
// fetch-response.ts. Created by HttpServer; runs in workers.

import type { IncomingMessage, ServerResponse } from 'node:http';
import type { FetchContext, FetchHandler } from '../app/loader.js';
import { toRequest } from './fetch-request.js';
import { bodiless, drainOrClose, writeResponse, type ResponseTarget } from './fetch-response.js';
import { NodeRequestSource } from './node-source.js';
import { clientGone } from './policy/client-gone.js';
import { clientAddressOf } from './proxy-headers.js';
import { tlsInfo, type TlsInfo } from './tls.js';
import { HttpError, refuseWith } from './http-error.js';

export interface FetchAdapterOptions {
  /** Called when the app throws or rejects, or its body stream fails. */
  onError(err: unknown, req: IncomingMessage, res: ServerResponse): void;
  /** Registers a promise the worker waits for before exiting. */
  waitUntil(promise: Promise<unknown>): void;
}

/**
 * What the Fetch standard cannot carry, answered before the app: `new Request`
 * refuses these methods and URLs with credentials. Null when the request can
 * be a Request.
 */
export function fetchLimit(method: string, target: string): HttpError | null {
  if (method === 'CONNECT' || method === 'TRACE' || method === 'TRACK') return new HttpError(405, `fetch-style apps cannot receive ${method} (the Fetch standard forbids it)`);
  if (target.charCodeAt(0) !== 47 /* / */) {
    const authority = /^[A-Za-z][A-Za-z0-9+.-]*:\/\/([^/?#]*)/.exec(target)?.[1];
    if (authority?.includes('@')) return new HttpError(400, 'credentials in the request target (a Request URL cannot carry them)');
  }
  return null;
}

export function notAResponse(value: unknown): TypeError {
  return new TypeError(`the app returned ${value === undefined ? 'undefined' : value === null ? 'null' : typeof value}, not a Response`);
}

/** A fetch handler's `ctx`; the TLS details are looked up only when the app asks (most never do). */
class RequestContext implements FetchContext {
  readonly waitUntil: (promise: Promise<unknown>) => void;
  readonly #req: IncomingMessage;

  constructor(req: IncomingMessage, waitUntil: (promise: Promise<unknown>) => void) {
    this.#req = req;
    this.waitUntil = waitUntil;
  }

  /** Read when asked: the first read of a socket's remoteAddress is a getpeername(2). */
  get remoteAddress(): string {
    return this.#req.socket.remoteAddress ?? '';
  }

  get tls(): TlsInfo | undefined {
    return tlsInfo(this.#req.socket);
  }

  get clientAddress(): string {
    return clientAddressOf(this.#req);
  }
}

/** node:http's ServerResponse as a ResponseTarget: node:http frames the body and joins a string to the head. */
class ServerResponseTarget implements ResponseTarget {
  readonly #res: ServerResponse;

  constructor(res: ServerResponse) {
    this.#res = res;
  }

  head(status: number, statusText: string | undefined, headers: string[]): void {
    this.#res.writeHead(status, statusText, headers);
  }

  write(chunk: string | Uint8Array): boolean {
    return this.#res.write(chunk);
  }

  end(chunk?: string | Uint8Array): void {
    if (chunk === undefined) this.#res.end();
    else this.#res.end(chunk);
  }

  drained(): Promise<void> {
    return drainOrClose(this.#res);
  }

  get destroyed(): boolean {
    // An HTTP/2 response reset by the client: its stream is destroyed.
    return this.#res.destroyed || (this.#res as { stream?: { destroyed: boolean } }).stream?.destroyed === true;
  }
}

/** Writes a Response to node:http's response; resolves when written, rejects when its body stream fails. */
export function sendResponse(req: IncomingMessage, res: ServerResponse, response: Response): Promise<void> | undefined {
  return writeResponse(new ServerResponseTarget(res), response, { noBody: bodiless(req.method ?? 'GET', response.status), http2: req.httpVersionMajor === 2, gone: () => clientGone(res) });
}

/** Returns the node:http request listener that serves a fetch-style handler. */
export function fetchAdapter(handler: FetchHandler, options: FetchAdapterOptions): (req: IncomingMessage, res: ServerResponse) => void {
  const { onError, waitUntil } = options;
  const fail = (err: unknown, req: IncomingMessage, res: ServerResponse) => onError(err, req, res);
  const send = (req: IncomingMessage, res: ServerResponse, response: unknown) => {
    if (!(response instanceof Response)) throw notAResponse(response);
    const pending = sendResponse(req, res, response);
    if (pending) pending.catch((err) => fail(err, req, res));
  };
  return (req, res) => {
    const limit = fetchLimit(req.method ?? 'GET', req.url ?? '/');
    if (limit) {
      refuseWith(res, limit);
      return;
    }
    const ctx: FetchContext = new RequestContext(req, waitUntil);
    try {
      const result = handler(toRequest(new NodeRequestSource(req, res)), ctx);
      // A synchronous Response is written now, without a promise hop.
      if (result instanceof Response) send(req, res, result);
      else Promise.resolve(result).then((response) => send(req, res, response)).catch((err) => fail(err, req, res));
    } catch (err) {
      fail(err, req, res);
    }
  };
}
