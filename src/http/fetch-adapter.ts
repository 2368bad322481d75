// Adapts a fetch-style handler to node:http in one function, chosen once at
// load time. Builds Node's own Request (no global is patched) and streams the
// Response back with backpressure. Runs in workers.

import type { IncomingMessage, ServerResponse } from 'node:http';
import type { FetchContext, FetchHandler } from '../app/loader.js';

export interface FetchAdapterOptions {
  /** Called when the app throws or rejects, or its body stream fails. */
  onError(err: unknown, req: IncomingMessage, res: ServerResponse): void;
  /** Registers a promise the worker waits for before exiting. */
  waitUntil(promise: Promise<unknown>): void;
  /** The request's scheme and client address through trusted proxies (http/proxy-headers.ts). */
  forwarded(req: IncomingMessage): { readonly scheme: string; readonly clientAddress: string };
}

const NO_BODY_METHODS = new Set(['GET', 'HEAD']);

function requestUrl(req: IncomingMessage, scheme: string): string {
  const host = req.headers.host ?? `${req.socket.localAddress ?? 'localhost'}:${req.socket.localPort ?? ''}`;
  // An absolute-form target (a proxy-style request line) already carries scheme and host.
  const target = req.url ?? '/';
  return target.startsWith('/') || target === '*' ? `${scheme}://${host}${target === '*' ? '/' : target}` : target;
}

function requestHeaders(req: IncomingMessage): Headers {
  const headers = new Headers();
  const raw = req.rawHeaders;
  for (let i = 0; i < raw.length; i += 2) headers.append(raw[i]!, raw[i + 1]!);
  return headers;
}

/** A pull-based body: nothing is read from the socket until the app reads. */
function requestBody(req: IncomingMessage): ReadableStream<Uint8Array> {
  return new ReadableStream<Uint8Array>({
    start(controller) {
      req.on('data', (chunk: Buffer) => {
        controller.enqueue(new Uint8Array(chunk.buffer, chunk.byteOffset, chunk.byteLength));
        if ((controller.desiredSize ?? 0) <= 0) req.pause();
      });
      req.once('end', () => controller.close());
      req.once('error', (err) => controller.error(err));
      req.pause();
    },
    pull() {
      req.resume();
    },
    cancel() {
      req.resume();
    },
  }, { highWaterMark: 1 });
}

function hasBody(req: IncomingMessage): boolean {
  if (NO_BODY_METHODS.has(req.method ?? 'GET')) return false;
  return req.headers['transfer-encoding'] !== undefined || (req.headers['content-length'] !== undefined && req.headers['content-length'] !== '0');
}

function responseHeaderList(response: Response): string[] {
  const list: string[] = [];
  response.headers.forEach((value, name) => {
    if (name !== 'set-cookie') list.push(name, value);
  });
  for (const cookie of response.headers.getSetCookie()) list.push('set-cookie', cookie);
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

const turn = () => new Promise<'pending'>((resolve) => setImmediate(resolve, 'pending'));

async function writeResponse(req: IncomingMessage, res: ServerResponse, response: Response): Promise<void> {
  const headers = responseHeaderList(response);
  const status = response.status;
  const body = response.body;
  if (!body || req.method === 'HEAD' || status === 204 || status === 304 || (status >= 100 && status < 200)) {
    res.writeHead(status, response.statusText || undefined, headers);
    res.end();
    if (body) void body.cancel().catch(() => {});
    return;
  }
  const reader = body.getReader();
  const first = await reader.read();
  if (first.done) {
    if (!response.headers.has('content-length')) headers.push('content-length', '0');
    res.writeHead(status, response.statusText || undefined, headers);
    res.end();
    return;
  }
  // A body made from a string or bytes ends right after its one chunk: send it
  // with a Content-Length in one write instead of chunked encoding.
  const second = reader.read();
  const peek = await Promise.race([second, turn()]);
  if (peek !== 'pending' && peek.done) {
    if (!response.headers.has('content-length') && !response.headers.has('transfer-encoding')) headers.push('content-length', String(first.value.byteLength));
    res.writeHead(status, response.statusText || undefined, headers);
    res.end(first.value);
    return;
  }
  res.writeHead(status, response.statusText || undefined, headers);
  let chunk: ReadableStreamReadResult<Uint8Array> = first;
  let next: Promise<ReadableStreamReadResult<Uint8Array>> | ReadableStreamReadResult<Uint8Array> = peek === 'pending' ? second : peek;
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

/** Returns the node:http request listener that serves a fetch-style handler. */
export function fetchAdapter(handler: FetchHandler, options: FetchAdapterOptions): (req: IncomingMessage, res: ServerResponse) => void {
  return (req, res) => {
    const abort = new AbortController();
    res.once('close', () => {
      if (!res.writableFinished) abort.abort();
    });
    const init: RequestInit & { duplex?: 'half' } = {
      method: req.method ?? 'GET',
      headers: requestHeaders(req),
      signal: abort.signal,
    };
    if (hasBody(req)) {
      init.body = requestBody(req);
      init.duplex = 'half';
    }
    const forwarded = options.forwarded(req);
    const ctx: FetchContext = {
      remoteAddress: req.socket.remoteAddress ?? '',
      clientAddress: forwarded.clientAddress,
      waitUntil: options.waitUntil,
    };
    let result: Response | Promise<Response>;
    try {
      result = handler(new Request(requestUrl(req, forwarded.scheme), init), ctx);
    } catch (err) {
      options.onError(err, req, res);
      return;
    }
    Promise.resolve(result)
      .then((response) => {
        if (!(response instanceof Response)) throw new TypeError(`the app returned ${response === undefined ? 'undefined' : typeof response}, not a Response`);
        return writeResponse(req, res, response);
      })
      .catch((err) => options.onError(err, req, res));
  };
}
