// Builds the Request a fetch-style app receives from node:http's
// IncomingMessage: full URL, method, every header, a pull-based body and a
// signal that aborts when the client goes away. Used by fetch-adapter.ts in workers.

import type { IncomingMessage, ServerResponse } from 'node:http';
import { schemeOf } from './proxy-headers.js';

/** node:http hands over the target's bytes as latin1 characters; URLs want them percent-encoded. */
function encodeHighBytes(target: string): string {
  if (!/[^\x00-\x7f]/.test(target)) return target;
  let out = '';
  for (const byte of Buffer.from(target, 'latin1')) out += byte < 0x80 ? String.fromCharCode(byte) : `%${byte.toString(16).toUpperCase().padStart(2, '0')}`;
  return out;
}

function requestUrl(req: IncomingMessage): string {
  const target = encodeHighBytes(req.url ?? '/');
  if (target.charCodeAt(0) !== 47 /* / */ && target !== '*') return target; // absolute-form carries scheme and host
  // HTTP/2 carries the host as :authority (node's compat request has no Host then).
  const host = req.headers.host ?? (req.headers[':authority'] as string | undefined) ?? `${req.socket.localAddress ?? 'localhost'}:${req.socket.localPort ?? ''}`;
  return `${schemeOf(req)}://${host}${target === '*' ? '/' : target}`;
}

function requestHeaders(req: IncomingMessage): Headers {
  const headers = new Headers();
  const raw = req.rawHeaders;
  for (let i = 0; i < raw.length; i += 2) {
    // HTTP/2 pseudo-headers (:method, :path...) are in the URL and method already.
    if (raw[i]!.charCodeAt(0) !== 58 /* : */) headers.append(raw[i]!, raw[i + 1]!);
  }
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
  // HTTP/2 needs no length or chunking: a stream not ended with its headers has a body.
  const stream = (req as { stream?: { endAfterHeaders: boolean } }).stream;
  if (stream !== undefined) return !stream.endAfterHeaders;
  const length = req.headers['content-length'];
  return req.headers['transfer-encoding'] !== undefined || (length !== undefined && length !== '0');
}

function requestInit(req: IncomingMessage, headers: Headers): RequestInit & { duplex?: 'half' } {
  const init: RequestInit & { duplex?: 'half' } = { method: req.method ?? 'GET', headers };
  if (hasBody(req)) {
    init.body = requestBody(req);
    init.duplex = 'half';
  }
  return init;
}

/**
 * An AbortController that aborts when the client goes away before the
 * response is finished: the response closes, or the client ends its side of
 * the connection (the server keeps half-closed connections open to answer
 * them, so a vanished client shows first as that end).
 */
function clientGone(res: ServerResponse): AbortController {
  const abort = new AbortController();
  const gone = () => {
    if (!res.writableFinished && !abort.signal.aborted) abort.abort();
  };
  // An HTTP/2 stream's end is the end of the request body; its reset closes the response.
  if ((res as { stream?: unknown }).stream !== undefined) {
    if (res.closed) gone();
    else res.once('close', gone);
    return abort;
  }
  const socket = res.req.socket;
  if (res.closed || socket.readableEnded) {
    gone();
    return abort;
  }
  res.once('close', gone);
  socket.once('end', gone);
  res.once('finish', () => socket.off('end', gone));
  return abort;
}

/**
 * Node's own Request with one change: `signal` is made when first read. Linking
 * an AbortSignal into a Request costs more than the rest of the Request, and
 * few apps look at it. `clone()` and `new Request(request)` give copies whose
 * signal does not follow the client.
 */
class IncomingRequest extends Request {
  readonly #res: ServerResponse;
  #abort: AbortController | null = null;

  constructor(url: string, init: RequestInit, res: ServerResponse) {
    super(url, init);
    this.#res = res;
  }

  override get signal(): AbortSignal {
    return (this.#abort ??= clientGone(this.#res)).signal;
  }
}

/**
 * Node 20's Request keeps its internals under symbol keys and checks its
 * receiver with `instanceof`. There a request can be lazy: method, url,
 * headers and signal are answered from the IncomingMessage, and the real
 * Request is built the first time anything else (body, clone, text(),
 * `new Request(request)`) reaches for those internals. Newer Node keeps them
 * in private fields, where this cannot work: there IncomingRequest is used.
 */
const INTERNALS = Object.getOwnPropertySymbols(new Request('http://localhost/'));
const LAZY = ['state', 'signal', 'headers'].every((name) => INTERNALS.some((s) => s.description === name));

class LazyRequest {
  readonly #req: IncomingMessage;
  readonly #res: ServerResponse;
  #real: Request | null = null;
  #url: string | null = null;
  #headers: Headers | null = null;
  #abort: AbortController | null = null;

  constructor(req: IncomingMessage, res: ServerResponse) {
    this.#req = req;
    this.#res = res;
  }

  get method(): string {
    return this.#real ? this.#real.method : (this.#req.method ?? 'GET');
  }

  get url(): string {
    // Parsed and serialized as Request does, so `/a/../b` and `Host: EXAMPLE` read the same.
    return (this.#url ??= new URL(requestUrl(this.#req)).href);
  }

  get headers(): Headers {
    return this.#real ? this.#real.headers : (this.#headers ??= requestHeaders(this.#req));
  }

  get signal(): AbortSignal {
    return (this.#abort ??= clientGone(this.#res)).signal;
  }

  #materialize(): Request {
    return (this.#real ??= new Request(this.url, requestInit(this.#req, this.headers)));
  }

  static {
    Object.setPrototypeOf(LazyRequest.prototype, Request.prototype);
    for (const key of INTERNALS) {
      Object.defineProperty(LazyRequest.prototype, key, {
        get: function (this: LazyRequest) {
          return (this.#materialize() as unknown as Record<symbol, unknown>)[key];
        },
      });
    }
  }
}

/** The Request handed to the app for one node:http request. */
export function toRequest(req: IncomingMessage, res: ServerResponse): Request {
  if (LAZY) return new LazyRequest(req, res) as unknown as Request;
  return new IncomingRequest(requestUrl(req), requestInit(req, requestHeaders(req)), res);
}
