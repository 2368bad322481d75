// Raw-bytes HTTP for tests: send exact bytes over a fresh TCP or TLS
// connection, optionally half-close, collect everything until the server
// closes (or a deadline), and split what came back into responses.

import net from 'node:net';
import tls from 'node:tls';

export interface Exchange {
  readonly data: Buffer;
  /** The server closed the connection before the deadline. */
  readonly closed: boolean;
}

export interface RawResponse {
  readonly status: number;
  readonly head: string;
  readonly body: Buffer;
}

export interface ExchangeOptions {
  /** TLS, accepting any certificate. */
  readonly tls?: boolean;
  /** Reads until the server closes or this many ms pass (then `closed` is false); 5000 by default. */
  readonly deadlineMs?: number;
  /** Half-closes after the last chunk. */
  readonly halfClose?: boolean;
  /** Each chunk a macrotask apart, so they travel as separate segments; else written at once. */
  readonly spaced?: boolean;
  /** An error other than a reset (ECONNRESET, EPIPE) rejects, instead of counting as a close. */
  readonly rejectUnexpected?: boolean;
}

/** What came back, whether the server closed, and how long it took. */
export interface Outcome extends Exchange {
  readonly ms: number;
}

/** The one raw exchange: sends `bytes` over a fresh connection and reads until close or the deadline. */
export function rawExchange(port: number, bytes: Buffer | readonly Buffer[], opts: ExchangeOptions = {}): Promise<Outcome> {
  return new Promise((resolve, reject) => {
    const started = Date.now();
    const socket = opts.tls ? tls.connect({ port, host: '127.0.0.1', rejectUnauthorized: false }) : net.connect(port, '127.0.0.1');
    const got: Buffer[] = [];
    let settled = false;
    const done = (closed: boolean) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      socket.destroy();
      resolve({ data: Buffer.concat(got), closed, ms: Date.now() - started });
    };
    const timer = setTimeout(() => done(false), opts.deadlineMs ?? 5000);
    socket.on('data', (d: Buffer) => got.push(d));
    socket.on('close', () => done(true));
    socket.on('error', (err: NodeJS.ErrnoException) => {
      if (!opts.rejectUnexpected || err.code === 'ECONNRESET' || err.code === 'EPIPE') done(true);
      else if (!settled) {
        settled = true;
        clearTimeout(timer);
        reject(err);
      }
    });
    socket.once(opts.tls ? 'secureConnect' : 'connect', async () => {
      for (const [i, c] of (Buffer.isBuffer(bytes) ? [bytes] : bytes).entries()) {
        if (i > 0 && opts.spaced) await new Promise((r) => setTimeout(r, 0));
        if (socket.destroyed) return;
        socket.write(c);
      }
      if ((opts.halfClose ?? false) && !socket.destroyed) socket.end();
    });
  });
}

/** Sends `bytes` (each item written at once), half-closes unless told not to, and reads until close or `timeoutMs`. */
export function exchange(port: number, bytes: Buffer | Buffer[], opts: { halfClose?: boolean; timeoutMs?: number } = {}): Promise<Exchange> {
  return rawExchange(port, bytes, { halfClose: opts.halfClose ?? true, deadlineMs: opts.timeoutMs ?? 5000, rejectUnexpected: true });
}

/** Splits a byte stream into responses (Content-Length framed, or to the end); 1xx responses included. */
export function parseResponses(buf: Buffer): RawResponse[] {
  const list: RawResponse[] = [];
  let i = 0;
  while (i < buf.length) {
    const end = buf.indexOf('\r\n\r\n', i);
    if (end < 0) throw new Error(`incomplete response: ${JSON.stringify(buf.subarray(i).toString('latin1').slice(0, 200))}`);
    const head = buf.toString('latin1', i, end);
    const m = /^HTTP\/1\.[01] (\d{3})/.exec(head);
    if (!m) throw new Error(`not an HTTP response: ${JSON.stringify(head.slice(0, 200))}`);
    const status = Number(m[1]);
    const cl = /\r\ncontent-length:[ \t]*(\d+)/i.exec(head);
    const chunked = /\r\ntransfer-encoding:[ \t]*chunked/i.test(head);
    if (chunked) throw new Error('chunked responses are not expected here');
    const len = status < 200 || status === 204 || status === 304 ? 0 : cl ? Number(cl[1]) : buf.length - end - 4;
    list.push({ status, head, body: buf.subarray(end + 4, end + 4 + len) });
    i = end + 4 + len;
  }
  return list;
}
