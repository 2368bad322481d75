// Builds the Request a fetch-style app receives: full URL, method, every
// header, a pull-based body and a signal that aborts when the client goes
// away. Where those come from is a RequestSource: node:http's IncomingMessage
// (node-source.ts) or a head the strict gate parsed (fetch-exchange.ts).

import { lightClassesInstalled, makeRequest } from './fetch/install.js';
import { once } from './fetch/node-shape.js';
import { lazyRequestsWork, requestInternals } from './node-internals.js';

/** What a Request is made of, each part asked for only when needed. */
export interface RequestSource {
  readonly method: string;
  /** The absolute URL as received (high bytes percent-encoded), before URL parsing normalizes it. */
  url(): string;
  /** The fields as a flat [name, value, ...] list, in order, repeats apart. */
  headerList(): readonly string[];
  /** null when the request has no body. */
  body(): ReadableStream<Uint8Array> | null;
  /** Aborts when the client goes away before the response is finished. */
  signal(): AbortSignal;
}

/** The target's bytes arrive as latin1 characters; URLs want them percent-encoded. */
export function encodeHighBytes(target: string): string {
  if (!/[^\x00-\x7f]/.test(target)) return target;
  let out = '';
  for (const byte of Buffer.from(target, 'latin1')) out += byte < 0x80 ? String.fromCharCode(byte) : `%${byte.toString(16).toUpperCase().padStart(2, '0')}`;
  return out;
}

/** The absolute URL of a request target: absolute-form carries scheme and host; `*` reads as `/`. */
export function absoluteUrl(target: string, scheme: string, host: string): string {
  const encoded = encodeHighBytes(target);
  if (encoded.charCodeAt(0) !== 47 /* / */ && encoded !== '*') return encoded;
  return `${scheme}://${host}${encoded === '*' ? '/' : encoded}`;
}

/** Appends a flat [name, value, ...] list; HTTP/2 pseudo-headers are in the URL and method already. */
function appendFields(headers: Headers, raw: readonly string[]): Headers {
  for (let i = 0; i < raw.length; i += 2) {
    if (raw[i]!.charCodeAt(0) !== 58 /* : */) headers.append(raw[i]!, raw[i + 1]!);
  }
  return headers;
}

/** The method and body of a Request; undefined for a GET, whose defaults they are. */
function requestInit(source: RequestSource, headers?: Headers): (RequestInit & { duplex?: 'half' }) | undefined {
  if (source.method === 'GET' && !headers) return undefined;
  const init: RequestInit & { duplex?: 'half' } = { method: source.method };
  if (headers) init.headers = headers;
  // The Fetch standard gives GET and HEAD no body.
  const body = source.method === 'GET' || source.method === 'HEAD' ? null : source.body();
  if (body) {
    init.body = body;
    init.duplex = 'half';
  }
  return init;
}

/**
 * Node's own Request with one change: `signal` is made when first read. Linking
 * an AbortSignal into a Request costs more than the rest of the Request, and
 * few apps look at it. `clone()` and `new Request(request)` give copies whose
 * signal does not follow the client. It extends Node's Request once linked
 * (nodeRequests below): naming the global here would load Node's undici.
 */
class IncomingRequest extends (class {} as unknown as typeof Request) {
  readonly #source: RequestSource;
  #signal: AbortSignal | null = null;

  constructor(source: RequestSource) {
    super(source.url(), requestInit(source));
    // Filled in place: handing a Headers to the constructor would copy it field by field.
    appendFields(super.headers, source.headerList());
    this.#source = source;
  }

  override get signal(): AbortSignal {
    return (this.#signal ??= this.#source.signal());
  }
}

/**
 * Node 20's Request keeps its internals under symbol keys and checks its
 * receiver with `instanceof`. There a request can be lazy: method, url,
 * headers and signal are answered from the source, and the real Request is
 * built the first time anything else (body, clone, text(), `new
 * Request(request)`) reaches for those internals. Newer Node keeps them in
 * private fields, where this cannot work: there IncomingRequest is used.
 * Both are linked to Node's Request by the first request served with Node's
 * classes; true when LazyRequest is the one.
 */
const nodeRequests = once((): boolean => {
  const INTERNALS = requestInternals();
  // `super` follows the class's prototype as it is when called.
  Object.setPrototypeOf(IncomingRequest, Request);
  Object.setPrototypeOf(IncomingRequest.prototype, Request.prototype);
  Object.defineProperty(IncomingRequest.prototype, 'constructor', { value: Request, writable: true, configurable: true });
  LazyRequest.link(INTERNALS);
  return lazyRequestsWork(INTERNALS);
});

class LazyRequest {
  readonly #source: RequestSource;
  #real: Request | null = null;
  #url: string | null = null;
  #headers: Headers | null = null;
  #signal: AbortSignal | null = null;

  constructor(source: RequestSource) {
    this.#source = source;
  }

  get method(): string {
    return this.#real ? this.#real.method : this.#source.method;
  }

  get url(): string {
    // Parsed and serialized as Request does, so `/a/../b` and `Host: EXAMPLE` read the same.
    return (this.#url ??= new URL(this.#source.url()).href);
  }

  get headers(): Headers {
    return this.#real ? this.#real.headers : (this.#headers ??= appendFields(new Headers(), this.#source.headerList()));
  }

  get signal(): AbortSignal {
    return (this.#signal ??= this.#source.signal());
  }

  #materialize(): Request {
    return (this.#real ??= new Request(this.url, requestInit(this.#source, this.headers)));
  }

  static link(INTERNALS: readonly symbol[]): void {
    Object.setPrototypeOf(LazyRequest.prototype, Request.prototype);
    // `request.constructor === Request`, as for any Request.
    Object.defineProperty(LazyRequest.prototype, 'constructor', { value: Request, writable: true, configurable: true });
    for (const key of INTERNALS) {
      Object.defineProperty(LazyRequest.prototype, key, {
        get: function (this: LazyRequest) {
          return (this.#materialize() as unknown as Record<symbol, unknown>)[key];
        },
      });
    }
  }
}

/** The Request handed to the app: the light one when the worker installed them (`--fetch-classes light`). */
export function toRequest(source: RequestSource): Request {
  if (lightClassesInstalled()) return makeRequest(source.method, source.url(), source.headerList(), source);
  if (nodeRequests()) return new LazyRequest(source) as unknown as Request;
  return new IncomingRequest(source);
}
