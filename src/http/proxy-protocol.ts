// Parses a PROXY protocol header (HAProxy's v1 text line or v2 binary block)
// at the start of a connection, and makes the socket report the client it
// names. The connection gate calls these in workers when `proxy_protocol` is on.

import { isIPv4, isIPv6, type Socket } from 'node:net';
import { HttpError } from './http-error.js';

export type ProxyMode = 'off' | 'v1' | 'v2' | 'auto';

export interface ProxyResult {
  /** Bytes the header took; the request starts after them. */
  readonly consumed: number;
  /** The client the proxy speaks for; null for LOCAL/UNSPEC/UNKNOWN. */
  readonly client: { address: string; port: number } | null;
}

/** Makes the socket report the client as its peer: the app, the access log and the adapters all read it there. */
export function presentAsPeer(socket: Socket, client: { address: string; port: number }): void {
  Object.defineProperty(socket, 'remoteAddress', { value: client.address, configurable: true, enumerable: true });
  Object.defineProperty(socket, 'remotePort', { value: client.port, configurable: true, enumerable: true });
  Object.defineProperty(socket, 'remoteFamily', { value: client.address.includes(':') ? 'IPv6' : 'IPv4', configurable: true, enumerable: true });
}

const V2_SIGNATURE = Buffer.from([0x0d, 0x0a, 0x0d, 0x0a, 0x00, 0x0d, 0x0a, 0x51, 0x55, 0x49, 0x54, 0x0a]);
const V1_PREFIX = Buffer.from('PROXY ');
const V1_MAX = 107;
const PORT = /^\d{1,5}$/;

const invalid = (msg: string): never => {
  throw new HttpError(400, `invalid PROXY header: ${msg}`);
};

/** True when `buf` could still grow into `prefix` (too short to tell). */
function couldBe(buf: Buffer, prefix: Buffer): boolean {
  return buf.length < prefix.length && prefix.subarray(0, buf.length).equals(buf);
}

/**
 * Looks for a PROXY header at the start of `buf`. Returns `'more'` when more
 * bytes are needed to decide, `null` when the connection has none, or the
 * parsed header. Throws HttpError(400) when it is malformed.
 */
export function parseProxyHeader(buf: Buffer, mode: ProxyMode): ProxyResult | 'more' | null {
  const v2 = mode === 'v2' || mode === 'auto';
  const v1 = mode === 'v1' || mode === 'auto';
  if (v2 && buf.subarray(0, 12).equals(V2_SIGNATURE)) return parseV2(buf);
  if (v1 && buf.subarray(0, 6).equals(V1_PREFIX)) return parseV1(buf);
  if ((v2 && couldBe(buf, V2_SIGNATURE)) || (v1 && couldBe(buf, V1_PREFIX))) return 'more';
  return null;
}

function parseV1(buf: Buffer): ProxyResult | 'more' {
  const end = buf.indexOf('\r\n');
  if (end < 0) return buf.length > V1_MAX ? invalid('line too long') : 'more';
  if (end + 2 > V1_MAX) invalid('line too long');
  const bits = buf.toString('latin1', 0, end).split(' ');
  if (bits[1] === 'UNKNOWN') return { consumed: end + 2, client: null };
  if (bits.length !== 6) invalid('expected 6 fields');
  const [, proto, src, dst, sport, dport] = bits as [string, string, string, string, string, string];
  const isIp = proto === 'TCP4' ? isIPv4 : proto === 'TCP6' ? isIPv6 : invalid(`protocol ${JSON.stringify(proto)} not supported`);
  if (!isIp(src) || !isIp(dst)) invalid('bad address');
  if (!PORT.test(sport) || !PORT.test(dport) || Number(sport) > 65535 || Number(dport) > 65535) invalid('bad port');
  return { consumed: end + 2, client: { address: src, port: Number(sport) } };
}

function ipv6(b: Buffer): string {
  const groups: string[] = [];
  for (let i = 0; i < 16; i += 2) groups.push(b.readUInt16BE(i).toString(16));
  // Let the URL parser produce the canonical compressed form.
  return new URL(`http://[${groups.join(':')}]/`).hostname.slice(1, -1);
}

function parseV2(buf: Buffer): ProxyResult | 'more' {
  if (buf.length < 16) return 'more';
  const verCmd = buf[12]!;
  const famProto = buf[13]!;
  const length = buf.readUInt16BE(14);
  if (verCmd >> 4 !== 2) invalid(`unsupported version ${verCmd >> 4}`);
  const command = verCmd & 0x0f;
  if (command > 1) invalid(`unsupported command ${command}`);
  if (buf.length < 16 + length) return 'more';
  const consumed = 16 + length;
  if (command === 0) return { consumed, client: null };
  const family = famProto >> 4;
  if (family === 0) return { consumed, client: null };
  if ((famProto & 0x0f) !== 1) invalid('only TCP is supported');
  const addr = buf.subarray(16, consumed);
  if (family === 1) {
    if (length < 12) invalid('short IPv4 address block');
    return { consumed, client: { address: `${addr[0]}.${addr[1]}.${addr[2]}.${addr[3]}`, port: addr.readUInt16BE(8) } };
  }
  if (family === 2) {
    if (length < 36) invalid('short IPv6 address block');
    return { consumed, client: { address: ipv6(addr.subarray(0, 16)), port: addr.readUInt16BE(32) } };
  }
  return invalid(`unsupported address family ${family}`);
}
