// Writes a fetch Response to a node:http ServerResponse: status, status text,
// every header (each Set-Cookie apart), and the body streamed with
// backpressure, or in one write when it is a known string or bytes. Runs in workers.

import type { IncomingMessage, ServerResponse } from 'node:http';

type StaticSource = string | Uint8Array;

/**
 * Node 20's Response keeps what it was built from under a `state` symbol. When
 * that source is a string or bytes and nobody has touched the stream, sending
 * the source is the same as reading the stream, without the stream machinery.
 * Newer Node keeps it in private fields; there the stream is read instead.
 */
const STATE = Object.getOwnPropertySymbols(new Response('')).find((s) => s.description === 'state');

function staticSource(response: Response): StaticSource | undefined {
  if (STATE === undefined || response.bodyUsed) return undefined;
  const body = (response as unknown as Record<symbol, { body?: { source?: unknown; stream?: ReadableStream } | null } | undefined>)[STATE]?.body;
  if (!body || body.stream?.locked !== false) return undefined;
  const source = body.source;
  return typeof source === 'string' || source instanceof Uint8Array ? source : undefined;
}

/** Fields HTTP/2 forbids (RFC 9113 8.2.2); node:http2 throws on them, so they are dropped as a proxy would. */
const CONNECTION_FIELDS = new Set(['connection', 'keep-alive', 'proxy-connection', 'transfer-encoding', 'upgrade']);

function headerList(response: Response, http2: boolean): string[] {
  const list: string[] = [];
  // Iteration yields each Set-Cookie as its own entry and joins the other repeats.
  for (const [name, value] of response.headers) if (!http2 || !CONNECTION_FIELDS.has(name)) list.push(name, value);
  return list;
}

function waitDrain(res: ServerResponse): Promise<void> {
  return new Promise((resolve) => {
    const done = () => {
      res.off('drain', done);
      res.off('close', done);
      resolve();
    };
    res.on('drain', done);
    res.on('close', done);
  });
}

/**
 * A string or bytes body's stream closes within a few microtasks of its one
 * chunk; a real stream's next chunk takes longer. Waiting that long (never a
 * macrotask) tells the two apart without delaying a streamed response.
 */
async function settlesSoon<T>(promise: Promise<T>): Promise<{ value: T } | null> {
  let result: { value: T } | null = null;
  void promise.then((value) => (result = { value }), () => {});
  for (let i = 0; i < 4 && result === null; i++) await null;
  return result;
}

/** Adds a Content-Length unless the app framed the body itself (names in the list are lower-case). */
function withLength(headers: string[], length: number): string[] {
  for (let i = 0; i < headers.length; i += 2) {
    if (headers[i] === 'content-length' || headers[i] === 'transfer-encoding') return headers;
  }
  headers.push('content-length', String(length));
  return headers;
}

// A stream may hand strings even though it should hand bytes; node:http writes both.
const byteLength = (chunk: Uint8Array | string): number => (typeof chunk === 'string' ? Buffer.byteLength(chunk) : chunk.byteLength);

function noBody(req: IncomingMessage, status: number): boolean {
  return req.method === 'HEAD' || status === 204 || status === 304 || status < 200;
}

/** Sends `response`; resolves when it is all handed to the socket, rejects when its body stream fails. */
export function writeResponse(req: IncomingMessage, res: ServerResponse, response: Response): Promise<void> | undefined {
  const status = response.status;
  const statusText = response.statusText || undefined;
  const headers = headerList(response, req.httpVersionMajor === 2);
  const body = response.body;
  if (body === null || noBody(req, status)) {
    if (body === null && !noBody(req, status)) withLength(headers, 0);
    res.writeHead(status, statusText, headers);
    res.end();
    if (body !== null) void body.cancel().catch(() => {});
    return undefined;
  }
  const source = staticSource(response);
  if (source !== undefined) {
    // A string goes out as it is: node:http joins it to the head in one write.
    res.writeHead(status, statusText, withLength(headers, byteLength(source)));
    res.end(source);
    return undefined;
  }
  return streamBody(res, status, statusText, headers, body.getReader());
}

async function streamBody(
  res: ServerResponse,
  status: number,
  statusText: string | undefined,
  headers: string[],
  reader: ReadableStreamDefaultReader<Uint8Array>,
): Promise<void> {
  let chunk = await reader.read();
  if (chunk.done) {
    res.writeHead(status, statusText, withLength(headers, 0));
    res.end();
    return;
  }
  let next = reader.read();
  const peek = await settlesSoon(next);
  if (peek?.value.done) {
    res.writeHead(status, statusText, withLength(headers, byteLength(chunk.value)));
    res.end(chunk.value);
    return;
  }
  res.writeHead(status, statusText, headers);
  try {
    for (;;) {
      if (res.destroyed) {
        await reader.cancel();
        return;
      }
      if (!res.write(chunk.value) && !res.destroyed) await waitDrain(res);
      chunk = await next;
      if (chunk.done) break;
      next = reader.read();
    }
  } catch (err) {
    void reader.cancel(err).catch(() => {});
    throw err;
  }
  res.end();
}
