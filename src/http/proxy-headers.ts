// Trusted proxies: decides a request's scheme from the secure-scheme headers and
// its client address from X-Forwarded-For or Forwarded, believing those headers
// only from peers in --forwarded-allow-ips. Created once per worker by
// HttpServer; pure functions beside it are unit-tested. Runs in workers.

import { BlockList, isIP } from 'node:net';
import type { IncomingMessage } from 'node:http';

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

/** The set of trusted peers: a predicate over addresses, built once. */
export function trustedPeers(entries: readonly string[]): (address: string) => boolean {
  if (entries.includes('*')) return () => true;
  const list = new BlockList();
  for (const entry of entries) {
    const [ip, bits] = entry.split('/') as [string, string | undefined];
    const family = isIP(ip) === 6 ? 'ipv6' : 'ipv4';
    if (bits === undefined) list.addAddress(unmapped(ip), isIP(unmapped(ip)) === 6 ? 'ipv6' : 'ipv4');
    else list.addSubnet(ip, Number(bits), family);
  }
  return (address) => {
    const a = unmapped(address);
    const family = isIP(a);
    return family !== 0 && list.check(a, family === 6 ? 'ipv6' : 'ipv4');
  };
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
export function resolveClientAddress(peer: string, hops: readonly string[], trusted: (address: string) => boolean, peerTrusted = trusted(peer)): string {
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
    const found = value.trim().toLowerCase() === secureValue.toLowerCase() ? 'https' : 'http';
    if (scheme !== null && scheme !== found) throw new ContradictorySchemeHeaders(`contradictory scheme headers (${Object.keys(mapping).join(', ')})`);
    scheme = found;
  }
  return scheme;
}

/** Decides each request's ForwardedInfo. One per worker; holds only the compiled settings. */
export class ProxyTrust {
  readonly #trusted: (address: string) => boolean;
  readonly #mapping: Readonly<Record<string, string>>;
  readonly #schemeNames: readonly string[];
  readonly #forHeader: ForwardedForHeader;

  constructor(options: ProxyTrustOptions) {
    this.#trusted = trustedPeers(options.allowIps);
    this.#mapping = options.secureSchemeHeaders;
    this.#schemeNames = Object.keys(options.secureSchemeHeaders).map((n) => n.toLowerCase());
    this.#forHeader = options.forwardedForHeader;
  }

  /**
   * The request's ForwardedInfo, or null when no header changes anything (the
   * common case, kept cheap). Throws ContradictorySchemeHeaders when trusted
   * headers disagree on the scheme.
   */
  resolve(req: IncomingMessage): ForwardedInfo | null {
    const headers = req.headers;
    const forValue = headers[this.#forHeader];
    if (forValue === undefined && !this.#schemeNames.some((n) => headers[n] !== undefined)) return null;
    const socket = req.socket as IncomingMessage['socket'] & { encrypted?: boolean };
    // A unix socket peer is a local process allowed by the socket's mode: trusted, as in Gunicorn.
    const remoteAddress = socket.remoteAddress ?? '';
    if (socket.remoteAddress !== undefined && !this.#trusted(remoteAddress)) return null;
    const scheme = schemeFromHeaders(headers, this.#mapping) ?? (socket.encrypted ? 'https' : 'http');
    const hops = forValue === undefined ? [] : this.#forHeader === 'forwarded' ? forwardedForValues(String(forValue)) : String(forValue).split(',');
    return { scheme, clientAddress: resolveClientAddress(remoteAddress, hops, this.#trusted, true), remoteAddress };
  }
}

/** What HttpServer left on a request, or the peer as-is when it left nothing. */
export function forwardedInfo(req: IncomingMessage): ForwardedInfo {
  const info = (req as unknown as { [FORWARDED_INFO]?: ForwardedInfo })[FORWARDED_INFO];
  if (info) return info;
  const remoteAddress = req.socket.remoteAddress ?? '';
  return { scheme: (req.socket as { encrypted?: boolean }).encrypted ? 'https' : 'http', clientAddress: remoteAddress, remoteAddress };
}
