// Shared pieces of the hostile-input tests: a seeded random source, raw
// exchanges with random TCP splits and a deadline, RSS from /proc, and the
// two echo apps (fetch-style and node-style) started with short timeouts.

import { readFileSync } from 'node:fs';
import path from 'node:path';
import { FIXTURES, startServer, type Narwhal } from '../../helpers/narwhal.js';
import { rawExchange, type Outcome } from '../../helpers/raw-http.js';

export type { Outcome } from '../../helpers/raw-http.js';

export type Server = Narwhal & { url: string; port: number };

/** Seconds: short, so a stalled head or body is cut within a test's patience. */
export const HEADER_TIMEOUT = 1;
export const KEEP_ALIVE = 1;
export const BODY_TIMEOUT = 1;

export const APPS = { fetch: path.join(FIXTURES, 'echo-fetch.mjs'), node: path.join(FIXTURES, 'echo-node.mjs') } as const;

/** NARWHAL_TEST_HTTP_PARSER runs the echo servers with that --http-parser instead of the default (a local run). */
const PARSER = process.env['NARWHAL_TEST_HTTP_PARSER'] ? ['--http-parser', process.env['NARWHAL_TEST_HTTP_PARSER']] : [];

export function startEcho(kind: keyof typeof APPS, extra: readonly string[] = []): Promise<Server> {
  return startServer([APPS[kind], '-w', '1', ...PARSER, '--header-timeout', String(HEADER_TIMEOUT), '--keep-alive', String(KEEP_ALIVE), '--body-timeout', String(BODY_TIMEOUT), ...extra]);
}

/** mulberry32: small, fast, and the same sequence from the same seed on every Node. */
export function random(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Resident memory of a process, from /proc (0 when it is gone). */
export function rss(pid: number): number {
  try {
    const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Number(m[1]) * 1024 : 0;
  } catch {
    return 0;
  }
}

export interface Response {
  readonly status: number;
  readonly body: Buffer;
}

/** The responses in a byte stream (Content-Length framed or to the end); `complete` false when it ends mid-response. */
export function responses(buf: Buffer): { list: Response[]; complete: boolean } {
  const list: Response[] = [];
  let i = 0;
  while (i < buf.length) {
    const end = buf.indexOf('\r\n\r\n', i);
    if (end < 0) return { list, complete: false };
    const head = buf.toString('latin1', i, end);
    const m = /^HTTP\/1\.[01] (\d{3})/.exec(head);
    if (!m) return { list, complete: false };
    const status = Number(m[1]);
    const cl = /\r\ncontent-length:[ \t]*(\d+)/i.exec(head);
    const len = status < 200 || status === 204 || status === 304 ? 0 : cl ? Number(cl[1]) : buf.length - end - 4;
    if (end + 4 + len > buf.length) return { list, complete: false };
    list.push({ status, body: buf.subarray(end + 4, end + 4 + len) });
    i = end + 4 + len;
  }
  return { list, complete: true };
}

/** What an echo app saw, in terms both contracts share: method, path, query (as the WHATWG URL parser reads them), body length. */
export function seen(kind: 'fetch' | 'node', body: Buffer): string {
  const echo = JSON.parse(body.toString('utf8')) as { method: string; url: string; body: string };
  // An origin-form target is a path even when it starts with `//` (not a scheme-relative URL).
  // A node-style app sees the target's bytes as latin1 characters; the fetch-style URL percent-encodes those bytes.
  const bytes = kind === 'node' ? [...Buffer.from(echo.url, 'latin1')].map((b) => (b < 0x80 ? String.fromCharCode(b) : `%${b.toString(16).toUpperCase().padStart(2, '0')}`)).join('') : echo.url;
  const url = kind === 'fetch' || !bytes.startsWith('/') ? new URL(bytes) : new URL(`http://placeholder${bytes}`);
  return `${echo.method} ${url.pathname} ?${url.search} body=${Buffer.from(echo.body, 'base64').length}`;
}

/**
 * Sends `bytes` over plain TCP or TLS (any certificate), each chunk a macrotask
 * apart so they travel as separate segments, optionally half-closes, and reads
 * until close or `deadlineMs` (helpers/raw-http.ts's one raw exchange).
 */
export function exchangeOver(port: number, bytes: Buffer | readonly Buffer[], opts: { tls?: boolean; deadlineMs?: number; halfClose?: boolean } = {}): Promise<Outcome> {
  return rawExchange(port, bytes, { ...opts, spaced: true });
}

/** The parser and transport combinations every hostile-input rule must hold on. */
export const TRANSPORTS = [
  { parser: 'strict', tls: false },
  { parser: 'native', tls: false },
  { parser: 'strict', tls: true },
  { parser: 'native', tls: true },
] as const;
