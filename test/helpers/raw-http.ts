// Raw-bytes HTTP for tests: send exact bytes over a fresh TCP connection,
// optionally half-close, collect everything until the server closes (or a
// deadline), and split what came back into responses.

import net from 'node:net';

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

/** Sends `bytes` (each item written separately) and reads until close or `timeoutMs`. */
export function exchange(port: number, bytes: Buffer | Buffer[], opts: { halfClose?: boolean; timeoutMs?: number } = {}): Promise<Exchange> {
  return new Promise((resolve, reject) => {
    const socket = net.connect(port, '127.0.0.1');
    const chunks: Buffer[] = [];
    let settled = false;
    const done = (closed: boolean) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      socket.destroy();
      resolve({ data: Buffer.concat(chunks), closed });
    };
    const timer = setTimeout(() => done(false), opts.timeoutMs ?? 5000);
    socket.on('data', (d: Buffer) => chunks.push(d));
    socket.on('close', () => done(true));
    socket.on('error', (err: NodeJS.ErrnoException) => {
      // A reset after the server answered still counts as a close.
      if (err.code === 'ECONNRESET' || err.code === 'EPIPE') done(true);
      else if (!settled) reject(err);
    });
    socket.on('connect', () => {
      for (const b of Array.isArray(bytes) ? bytes : [bytes]) socket.write(b);
      if (opts.halfClose ?? true) socket.end();
    });
  });
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
