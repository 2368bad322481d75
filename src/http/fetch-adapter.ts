// Adapts a fetch-style handler to node:http in one function, chosen once at
// load time. Builds a real Request (a subclass of Node's own; no global is
// patched) and hands the Response to fetch-response.ts. Created by HttpServer;
// runs in workers.

import type { IncomingMessage, ServerResponse } from 'node:http';
import type { FetchContext, FetchHandler } from '../app/loader.js';
import { writeResponse } from './fetch-response.js';

export interface FetchAdapterOptions {
  /** Called when the app throws or rejects, or its body stream fails. */
  onError(err: unknown, req: IncomingMessage, res: ServerResponse): void;
  /** Registers a promise the worker waits for before exiting. */
  waitUntil(promise: Promise<unknown>): void;
}

function requestUrl(req: IncomingMessage): string {
  const target = req.url ?? '/';
  if (target.charCodeAt(0) !== 47 /* / */ && target !== '*') return target; // absolute-form carries scheme and host
  const host = req.headers.host ?? `${req.socket.localAddress ?? 'localhost'}:${req.socket.localPort ?? ''}`;
  return `http://${host}${target === '*' ? '/' : target}`;
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
  if (req.method === 'GET' || req.method === 'HEAD') return false;
  const length = req.headers['content-length'];
  return req.headers['transfer-encoding'] !== undefined || (length !== undefined && length !== '0');
}

/**
 * Node's own Request with one change: `signal` is made when first read. Linking
 * an AbortSignal into a Request costs more than the rest of the Request, and
 * few apps look at it. Still a real Request: `instanceof`, `clone()` and
 * `new Request(request)` work (copies get a signal of their own that does not
 * follow the client).
 */
class IncomingRequest extends Request {
  readonly #res: ServerResponse;
  #abort: AbortController | null = null;

  constructor(url: string, init: RequestInit, res: ServerResponse) {
    super(url, init);
    this.#res = res;
  }

  override get signal(): AbortSignal {
    if (this.#abort === null) {
      const abort = (this.#abort = new AbortController());
      const res = this.#res;
      if (res.closed) {
        if (!res.writableFinished) abort.abort();
      } else {
        res.once('close', () => {
          if (!res.writableFinished) abort.abort();
        });
      }
    }
    return this.#abort.signal;
  }
}

function toRequest(req: IncomingMessage, res: ServerResponse): Request {
  const init: RequestInit & { duplex?: 'half' } = { method: req.method ?? 'GET', headers: requestHeaders(req) };
  if (hasBody(req)) {
    init.body = requestBody(req);
    init.duplex = 'half';
  }
  return new IncomingRequest(requestUrl(req), init, res);
}

function notAResponse(value: unknown): TypeError {
  return new TypeError(`the app returned ${value === undefined ? 'undefined' : value === null ? 'null' : typeof value}, not a Response`);
}

/** Returns the node:http request listener that serves a fetch-style handler. */
export function fetchAdapter(handler: FetchHandler, options: FetchAdapterOptions): (req: IncomingMessage, res: ServerResponse) => void {
  const { onError, waitUntil } = options;
  const fail = (err: unknown, req: IncomingMessage, res: ServerResponse) => onError(err, req, res);
  const send = (req: IncomingMessage, res: ServerResponse, response: unknown) => {
    if (!(response instanceof Response)) throw notAResponse(response);
    const pending = writeResponse(req, res, response);
    if (pending) pending.catch((err) => fail(err, req, res));
  };
  return (req, res) => {
    const ctx: FetchContext = { remoteAddress: req.socket.remoteAddress ?? '', waitUntil };
    try {
      const result = handler(toRequest(req, res), ctx);
      // A synchronous Response is written now, without a promise hop.
      if (result instanceof Response) send(req, res, result);
      else Promise.resolve(result).then((response) => send(req, res, response)).catch((err) => fail(err, req, res));
    } catch (err) {
      fail(err, req, res);
    }
  };
}
