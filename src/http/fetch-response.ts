// Writes a fetch Response to a ResponseTarget: status, status text, every
// header (each Set-Cookie apart), and the body streamed with backpressure, or
// in one write when it is a known string or bytes. The target is node:http's
// ServerResponse (fetch-adapter.ts) or a connection served directly
// (fetch-exchange.ts). Runs in workers.

import { isLightResponse, NODE_CLASSES, readResponse, type ResponseParts } from './fetch/install.js';
import { once } from './fetch/node-shape.js';
import { responseSource, responseStateKey } from './node-internals.js';

type Chunk = string | Uint8Array;

/** Where a response goes; the target frames the body (length, chunked, or until close). */
export interface ResponseTarget {
  head(status: number, statusText: string | undefined, headers: string[]): void;
  /** false: wait for `drained()` before writing more. */
  write(chunk: Chunk): boolean;
  end(chunk?: Chunk): void;
  drained(): Promise<void>;
  readonly destroyed: boolean;
}

/** Resolves at the emitter's next 'drain' or 'close' (a target's `drained()`). */
export function drainOrClose(emitter: NodeJS.EventEmitter): Promise<void> {
  return new Promise((resolve) => {
    const done = () => {
      emitter.off('drain', done);
      emitter.off('close', done);
      resolve();
    };
    emitter.on('drain', done);
    emitter.on('close', done);
  });
}

/**
 * Node 20's Response keeps what it was built from under a `state` symbol: a
 * string or bytes source, its stream untouched, is sent as it is, without the
 * stream machinery (node-internals.ts). Looked up on the first stream body (a
 * Response of Node's exists by then), so importing this does not load undici.
 */
const stateKey = once(() => responseStateKey(NODE_CLASSES.Response));

/** Fields HTTP/2 forbids (RFC 9113 8.2.2); node:http2 throws on them, so they are dropped as a proxy would. */
const CONNECTION_FIELDS = new Set(['connection', 'keep-alive', 'proxy-connection', 'transfer-encoding', 'upgrade']);

function headerList(response: Response, http2: boolean): string[] {
  const list: string[] = [];
  // Iteration yields each Set-Cookie as its own entry and joins the other repeats.
  for (const [name, value] of response.headers) if (!http2 || !CONNECTION_FIELDS.has(name)) list.push(name, value);
  return list;
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

// A stream may hand strings even though it should hand bytes; both are written.
const byteLength = (chunk: Chunk): number => (typeof chunk === 'string' ? Buffer.byteLength(chunk) : chunk.byteLength);

export interface WriteOptions {
  /** HEAD, or a status that has no body. */
  readonly noBody: boolean;
  readonly http2: boolean;
  /** The request's signal (it aborts when the client leaves): a streamed body is then cancelled, even one that has stopped producing. */
  readonly gone?: () => AbortSignal;
}

export function bodiless(method: string, status: number): boolean {
  return method === 'HEAD' || status === 204 || status === 304 || status < 200;
}

/** A light Response's parts (fetch/install.ts), its plain body as given; Node's Response read the usual way. */
function partsOf(response: Response, http2: boolean): ResponseParts {
  if (!isLightResponse(response)) return { status: response.status, statusText: response.statusText, headers: headerList(response, http2), body: response.body };
  const parts = readResponse(response)!;
  if (!http2) return parts;
  const headers: string[] = [];
  for (let i = 0; i < parts.headers.length; i += 2) if (!CONNECTION_FIELDS.has(parts.headers[i]!)) headers.push(parts.headers[i]!, parts.headers[i + 1]!);
  return { ...parts, headers };
}

/** Sends `response`; resolves when it is all handed to the target, rejects when its body stream fails. */
export function writeResponse(target: ResponseTarget, response: Response, options: WriteOptions): Promise<void> | undefined {
  const parts = partsOf(response, options.http2);
  const status = parts.status;
  const statusText = parts.statusText || undefined;
  const headers = parts.headers;
  const body = parts.body;
  if (typeof body === 'string' || body instanceof Uint8Array) {
    target.head(status, statusText, options.noBody ? headers : withLength(headers, byteLength(body)));
    target.end(options.noBody ? undefined : body);
    return undefined;
  }
  if (body === null || options.noBody) {
    if (body === null && !options.noBody) withLength(headers, 0);
    target.head(status, statusText, headers);
    target.end();
    if (body !== null) void body.cancel().catch(() => {});
    return undefined;
  }
  const source = responseSource(response, stateKey());
  if (source !== undefined) {
    target.head(status, statusText, withLength(headers, byteLength(source)));
    target.end(source);
    return undefined;
  }
  return streamBody(target, status, statusText, headers, body.getReader(), options.gone?.());
}

async function streamBody(
  target: ResponseTarget,
  status: number,
  statusText: string | undefined,
  headers: string[],
  reader: ReadableStreamDefaultReader<Uint8Array>,
  gone: AbortSignal | undefined,
): Promise<void> {
  // A pending read settles as done once cancelled, so the loop below ends too.
  const cancel = () => void reader.cancel().catch(() => {});
  if (gone?.aborted) cancel();
  else gone?.addEventListener('abort', cancel, { once: true });
  try {
    await streamChunks(target, status, statusText, headers, reader);
  } finally {
    gone?.removeEventListener('abort', cancel);
  }
}

async function streamChunks(
  target: ResponseTarget,
  status: number,
  statusText: string | undefined,
  headers: string[],
  reader: ReadableStreamDefaultReader<Uint8Array>,
): Promise<void> {
  let chunk = await reader.read();
  if (chunk.done) {
    target.head(status, statusText, withLength(headers, 0));
    target.end();
    return;
  }
  let next = reader.read();
  const peek = await settlesSoon(next);
  if (peek?.value.done) {
    target.head(status, statusText, withLength(headers, byteLength(chunk.value)));
    target.end(chunk.value);
    return;
  }
  target.head(status, statusText, headers);
  try {
    for (;;) {
      if (target.destroyed) {
        await reader.cancel();
        return;
      }
      if (!target.write(chunk.value) && !target.destroyed) await target.drained();
      chunk = await next;
      if (chunk.done) break;
      next = reader.read();
    }
  } catch (err) {
    void reader.cancel(err).catch(() => {});
    throw err;
  }
  if (!target.destroyed) target.end();
}
