// Trusted proxies: decides a request's scheme from the secure-scheme headers and
// its client address from X-Forwarded-For or Forwarded, believing those headers
// only from peers in --forwarded-allow-ips (matched by peer-matcher.ts).
// Created once per worker (worker.ts) and consulted by HttpServer for each
// request; the pure functions beside it are unit-tested. Runs in workers.

import { isIP, type Socket } from 'node:net';
import type { IncomingMessage } from 'node:http';
import { nodeRequestView } from './field-list.js';
import { peerMatcher, type PeerMatcher } from './peer-matcher.js';

/** What a request looks like once trusted proxies are taken into account. */
export interface ForwardedInfo {
  /** `https` when a trusted proxy says so (or the connection is TLS), else `http`. */
  readonly scheme: 'http' | 'https';
  /** The client, resolved through trusted hops; the peer itself without them. '' for a unix socket peer with no header. */
  readonly clientAddress: string;
  /** The peer as the worker saw it (the proxy, behind one); '' on a unix socket. */
  readonly remoteAddress: string;
}

export type ForwardedForHeader = 'x-forwarded-for' | 'forwarded';

export interface ProxyTrustOptions {
  /** `*`, addresses and CIDR networks, IPv4 or IPv6. */
  readonly allowIps: readonly string[];
  /** Header name -> the value meaning https (Gunicorn's secure_scheme_headers). */
  readonly secureSchemeHeaders: Readonly<Record<string, string>>;
  readonly forwardedForHeader: ForwardedForHeader;
}

/** The key under which the worker leaves a request's ForwardedInfo on node:http's request object. */
export const FORWARDED_INFO = Symbol.for('narwhal.forwarded');

/** Thrown for a request whose trusted scheme headers disagree (Gunicorn answers 400 too). */
export class ContradictorySchemeHeaders extends Error {}

/** `::ffff:10.0.0.1` -> `10.0.0.1`, so one IPv4 rule matches on dual-stack sockets too. */
function unmapped(ip: string): string {
  return ip.startsWith('::ffff:') && isIP(ip.slice(7)) === 4 ? ip.slice(7) : ip;
}

/** One hop as written (`1.2.3.4`, `1.2.3.4:80`, `[::1]:80`, `"[::1]"`) -> a bare IP, or null. */
export function hopAddress(raw: string): string | null {
  let s = raw.trim();
  if (s.startsWith('"') && s.endsWith('"') && s.length >= 2) s = s.slice(1, -1);
  if (s.startsWith('[')) {
    const end = s.indexOf(']');
    s = end > 0 ? s.slice(1, end) : '';
  } else if (isIP(s) === 0 && /^[\d.]+:\d+$/.test(s)) {
    s = s.slice(0, s.lastIndexOf(':'));
  }
  return isIP(s) ? unmapped(s) : null;
}

/** The `for=` values of a Forwarded header (RFC 7239), nearest-to-client first. */
export function forwardedForValues(header: string): string[] {
  const out: string[] = [];
  for (const element of header.split(',')) {
    for (const pair of element.split(';')) {
      const eq = pair.indexOf('=');
      if (eq > 0 && pair.slice(0, eq).trim().toLowerCase() === 'for') out.push(pair.slice(eq + 1).trim());
    }
  }
  return out;
}

/**
 * Walks the hops right to left, starting from the peer: while the address in
 * hand is trusted, the hop before it is believed. The first untrusted address
 * is the client. A hop that is no IP (`unknown`, an obfuscated name) stops the
 * walk at the proxy that wrote it.
 */
export function resolveClientAddress(peer: string, hops: readonly string[], trusted: PeerMatcher, peerTrusted = trusted(peer)): string {
  let current = peer;
  let currentTrusted = peerTrusted;
  for (let i = hops.length - 1; i >= 0 && currentTrusted; i--) {
    const next = hopAddress(hops[i]!);
    if (next === null) return current;
    current = next;
    currentTrusted = trusted(next);
  }
  return current;
}

/** The scheme the secure-scheme headers give, null when none is present. */
export function schemeFromHeaders(headers: IncomingMessage['headers'], mapping: Readonly<Record<string, string>>): 'http' | 'https' | null {
  let scheme: 'http' | 'https' | null = null;
  for (const [name, secureValue] of Object.entries(mapping)) {
    const v = headers[name.toLowerCase()];
    if (v === undefined) continue;
    const value = Array.isArray(v) ? v.join(', ') : v;
    // Values match exactly, as in Gunicorn (and the strict gate, which answers a disagreement with 400 first).
    const found = value.trim() === secureValue ? 'https' : 'http';
    if (scheme !== null && scheme !== found) throw new ContradictorySchemeHeaders(`contradictory scheme headers (${Object.keys(mapping).join(', ')})`);
    scheme = found;
  }
  return scheme;
}

/** Decides each request's ForwardedInfo. One per worker; holds only the compiled settings. */
export class ProxyTrust {
  readonly #trusted: PeerMatcher;
  /** Whether each connection's real peer is trusted, noted before a PROXY header can replace its remoteAddress. */
  readonly #peerTrusted = new WeakMap<Socket, boolean>();
  readonly #mapping: Readonly<Record<string, string>>;
  readonly #schemeNames: readonly string[];
  readonly #forHeader: ForwardedForHeader;
  /** Every header name that can change a request's ForwardedInfo, and their lengths (a cheap first filter). */
  readonly #names: ReadonlySet<string>;
  readonly #nameLengths: ReadonlySet<number>;

  constructor(options: ProxyTrustOptions) {
    this.#trusted = peerMatcher(options.allowIps);
    this.#mapping = options.secureSchemeHeaders;
    this.#schemeNames = Object.keys(options.secureSchemeHeaders).map((n) => n.toLowerCase());
    this.#forHeader = options.forwardedForHeader;
    this.#names = new Set([...this.#schemeNames, this.#forHeader]);
    this.#nameLengths = new Set([...this.#names].map((n) => n.length));
  }

  /**
   * Whether any field can matter, read from rawHeaders: node:http builds
   * req.headers only when first asked, and most requests carry none of these.
   */
  #mentioned(raw: readonly string[]): boolean {
    for (let i = 0; i < raw.length; i += 2) {
      const name = raw[i]!;
      if (this.#nameLengths.has(name.length) && this.#names.has(name.toLowerCase())) return true;
    }
    return false;
  }

  /** Notes whether a new connection's peer is trusted; called as it is accepted. */
  watch(socket: Socket): void {
    this.#peerTrusted.set(socket, this.#trusted(socket.remoteAddress));
  }

  /**
   * The request's ForwardedInfo, or null when no header changes anything (the
   * common case, kept cheap). Throws ContradictorySchemeHeaders when trusted
   * headers disagree on the scheme.
   */
  resolve(req: IncomingMessage): ForwardedInfo | null {
    return this.#mentioned(req.rawHeaders) ? this.#resolve(req) : null;
  }

  /** resolve() for a head the strict gate parsed (the direct fetch path): its fields and the connection. */
  resolveFields(raw: readonly string[], socket: Socket): ForwardedInfo | null {
    return this.#mentioned(raw) ? this.#resolve(nodeRequestView(raw, socket)) : null;
  }

  #resolve(req: IncomingMessage): ForwardedInfo | null {
    const headers = req.headers;
    const forValue = headers[this.#forHeader];
    const socket = req.socket as IncomingMessage['socket'] & { encrypted?: boolean };
    const remoteAddress = socket.remoteAddress ?? '';
    // The scheme goes by the real peer, as the strict gate judged it; the
    // address walk starts from remoteAddress, which a PROXY header may have
    // replaced with the client's own (then nothing the client sent is believed).
    // A unix socket peer is a local process allowed by the socket's mode: trusted (peerMatcher), as in Gunicorn.
    const schemeTrusted = this.#peerTrusted.get(socket) ?? this.#trusted(socket.remoteAddress);
    const addressTrusted = this.#trusted(socket.remoteAddress);
    if (!schemeTrusted && !addressTrusted) return null;
    const own = socket.encrypted ? 'https' : 'http';
    const scheme = schemeTrusted ? (schemeFromHeaders(headers, this.#mapping) ?? own) : own;
    const hops = forValue === undefined ? [] : this.#forHeader === 'forwarded' ? forwardedForValues(String(forValue)) : String(forValue).split(',');
    return { scheme, clientAddress: addressTrusted ? resolveClientAddress(remoteAddress, hops, this.#trusted, true) : remoteAddress, remoteAddress };
  }
}

/** What HttpServer left on a request, or the peer as-is when it left nothing. */
export function forwardedInfo(req: IncomingMessage): ForwardedInfo {
  const info = (req as unknown as { [FORWARDED_INFO]?: ForwardedInfo })[FORWARDED_INFO];
  if (info) return info;
  const remoteAddress = req.socket.remoteAddress ?? '';
  return { scheme: (req.socket as { encrypted?: boolean }).encrypted ? 'https' : 'http', clientAddress: remoteAddress, remoteAddress };
}

/** The request URL's scheme (fetch-request.ts): as trusted proxies say, else the connection's own. */
export function schemeOf(req: IncomingMessage): 'http' | 'https' {
  const info = (req as unknown as { [FORWARDED_INFO]?: ForwardedInfo })[FORWARDED_INFO];
  return info ? info.scheme : (req.socket as { encrypted?: boolean }).encrypted ? 'https' : 'http';
}

/** The client address for `ctx.clientAddress` (fetch-adapter.ts). */
export function clientAddressOf(req: IncomingMessage): string {
  const info = (req as unknown as { [FORWARDED_INFO]?: ForwardedInfo })[FORWARDED_INFO];
  return info ? info.clientAddress : (req.socket.remoteAddress ?? '');
}
