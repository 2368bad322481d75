// The strict HTTP/1.1 gate's options (limits, parsing leniencies, PROXY
// protocol, timeouts) made from the resolved config, and the sink a gate
// hands parsed requests to. gateOptions() is called once by the worker
// before it creates its HttpServer.

import { benchUncheckedHeads } from '../config/env.js';
import type { Config } from '../config/settings.js';
import type { Socket } from 'node:net';
import { headRules, type HeadRules, type RequestHead, type SchemeTrust } from './head-rules.js';
import type { HttpError } from './http-error.js';
import { peerMatcher, type PeerMatcher } from './peer-matcher.js';
import type { ProxyMode } from './proxy-protocol.js';

export interface GateOptions {
  readonly rules: HeadRules;
  readonly proxyMode: ProxyMode;
  readonly proxyAllowed: PeerMatcher;
  readonly schemeTrusted: PeerMatcher;
  readonly headerTimeoutMs: number;
  readonly bodyTimeoutMs: number;
  /** The app takes upgrades (WebSocket): after an upgrade request the bytes are the app's, not HTTP. */
  readonly acceptUpgrades?: boolean;
  /** `native`: node:http's parser reads plain and TLS HTTP/1.1 where no leniency needs the strict one (native-http1.ts); `auto`: native except where a fetch-style app is served straight from the gate. */
  readonly parser?: 'auto' | 'strict' | 'native';
  /** Bench-only (config/env.ts): native listeners skip the checks on parsed heads. */
  readonly uncheckedHeads?: boolean;
  /** The largest request head, line and fields together (0: none). */
  readonly headLimit?: number;
  /** Told about every rejected request (for the debug log). */
  readonly onReject?: (err: HttpError, socket: Socket) => void;
}

/**
 * Whether a connection's peer may set the secure-scheme headers. With PROXY
 * headers judged at once (the header replaces remoteAddress with the
 * client's); otherwise only when such a header comes, since the first read of
 * remoteAddress is a getpeername(2).
 */
export function schemeTrustOf(socket: Socket, opts: GateOptions): SchemeTrust {
  if (opts.proxyMode !== 'off') return opts.schemeTrusted(socket.remoteAddress);
  let trusted: boolean | undefined;
  return () => (trusted ??= opts.schemeTrusted(socket.remoteAddress));
}

/** Takes the requests of a connection the gate serves without node:http. */
export interface RequestSink {
  /** A checked head; its body (if any) follows through body() and bodyEnd(). */
  head(head: RequestHead): void;
  /** Body bytes, decoded from the chunked coding. */
  body(chunk: Buffer): void;
  /** The body is complete (or the client ended its side mid-body, as Gunicorn reads it). */
  bodyEnd(): void;
  /** A request was refused: answer `err.status` after the responses before it, then close. */
  reject(err: HttpError): void;
}

export function gateOptions(config: Config): GateOptions {
  return {
    rules: headRules({
      limitRequestLine: config.limitRequestLine,
      limitRequestFields: config.limitRequestFields,
      limitRequestFieldSize: config.limitRequestFieldSize,
      headerMap: config.headerMap,
      permitObsoleteFolding: config.permitObsoleteFolding,
      stripHeaderSpaces: config.stripHeaderSpaces,
      permitUnconventionalHttpMethod: config.permitUnconventionalHttpMethod,
      permitUnconventionalHttpVersion: config.permitUnconventionalHttpVersion,
      casefoldHttpMethod: config.casefoldHttpMethod,
      secureSchemeHeaders: config.secureSchemeHeaders,
    }),
    proxyMode: config.proxyProtocol,
    proxyAllowed: peerMatcher(config.proxyAllowIps),
    schemeTrusted: peerMatcher(config.forwardedAllowIps),
    parser: config.httpParser,
    ...(benchUncheckedHeads() ? { uncheckedHeads: true } : {}),
    headLimit: config.limitRequestHead,
    headerTimeoutMs: config.headerTimeout * 1000,
    bodyTimeoutMs: config.bodyTimeout * 1000,
  };
}
