// The Request class apps get once install.ts has swapped the globals in a
// worker. A Request the server makes (makeIncoming) answers method, url,
// headers and signal from what was parsed, and builds Node's own Request only
// when the app reaches for its body or another member; one an app makes with
// `new Request(...)` is Node's Request inside from the start.

import { lazyClass, NODE_PROTO_EXTRAS, nodeGlobal, shapeLater, uncloneable } from './node-shape.js';

const nodeRequest = nodeGlobal<typeof Request>('Request');
/** Called by installLightClasses() before it replaces the global. */
export const captureNodeRequest = nodeRequest.capture;
/** Node's Request, read (loading undici) when first used; the light class takes its shape then. */
export const NodeRequest = lazyClass(() => {
  shapeRequest();
  return nodeRequest();
});
const INTERNAL: unique symbol = Symbol('light request');
// Methods Node's Request keeps as given; any other spelling goes through its normalization (or its TypeError).
const PLAIN_METHODS = new Set(['GET', 'HEAD', 'POST', 'PUT', 'DELETE', 'OPTIONS', 'PATCH']);

/**
 * What the server has for a request's body and signal, each asked for only
 * when the app reaches for it: `body()` at most once (null: no body),
 * `signal()` aborts when the client goes away. fetch-request.ts's RequestSource is one.
 */
export interface BodySource {
  body(): ReadableStream<Uint8Array> | null;
  signal(): AbortSignal;
}

interface Incoming {
  method: string;
  url: string;
  rawHeaders: readonly string[];
  /** null: no body, and a signal that never aborts. */
  body: BodySource | null;
}

type RequestInitFull = RequestInit & { duplex?: 'half' };

export class LightRequest {
  #real: Request | null = null;
  /** Set for a request the server made; null once Node's Request holds everything (app-made, clone). */
  #incoming: Incoming | null = null;
  #href: string | null = null;
  #headers: Headers | null = null;
  #signal: AbortSignal | null = null;

  constructor(input: unknown, init: unknown = undefined) {
    uncloneable(this);
    if (input === INTERNAL) {
      const from = init as { incoming?: Incoming; real?: Request };
      if (from.incoming) this.#incoming = from.incoming;
      else this.#real = from.real!;
      return;
    }
    const source = typeof input === 'object' && input !== null && #incoming in input ? input.#handoff() : input;
    this.#real = new NodeRequest(source as RequestInfo, init as RequestInit);
  }

  static isLight(value: unknown): value is LightRequest {
    return typeof value === 'object' && value !== null && #incoming in value;
  }

  /** A server-made Request, or Node's own when the method needs Node's normalization. */
  static incoming(fields: Incoming): Request {
    if (!PLAIN_METHODS.has(fields.method)) {
      const light = new LightRequest(INTERNAL, { incoming: fields });
      return wrapRequest(light.#realize());
    }
    return new LightRequest(INTERNAL, { incoming: fields }) as unknown as Request;
  }

  static wrap(real: Request): Request {
    return new LightRequest(INTERNAL, { real }) as unknown as Request;
  }

  /** Node's Request with this one's current state, for Node's code (fetch, new Request) to read. */
  static handoff(value: object): Request {
    return (value as LightRequest).#handoff();
  }

  static realOf(value: object): Request {
    return (value as LightRequest).#realize();
  }

  #handoff(): Request {
    const real = this.#realize();
    // The app may have changed the headers after Node's Request was built from them.
    return this.#incoming ? new NodeRequest(real, { headers: this.headers }) : real;
  }

  #realize(): Request {
    if (this.#real) return this.#real;
    const incoming = this.#incoming!;
    const init: RequestInitFull = { method: incoming.method, headers: this.headers, signal: this.signal };
    const stream = incoming.body && incoming.method !== 'GET' && incoming.method !== 'HEAD' ? incoming.body.body() : null;
    if (stream) {
      init.body = stream;
      init.duplex = 'half';
    }
    return (this.#real = new NodeRequest(incoming.url, init));
  }

  get method(): string {
    return this.#incoming ? this.#incoming.method : this.#real!.method;
  }

  get url(): string {
    if (!this.#incoming) return this.#real!.url;
    // Parsed and serialized as Node's Request does (`/a/../b`, `Host: EXAMPLE`).
    return (this.#href ??= new URL(this.#incoming.url).href);
  }

  get headers(): Headers {
    if (!this.#incoming) return this.#real!.headers;
    if (this.#headers) return this.#headers;
    const headers = new Headers();
    const raw = this.#incoming.rawHeaders;
    // HTTP/2 pseudo-headers are in the method and URL already.
    for (let i = 0; i < raw.length; i += 2) if (raw[i]!.charCodeAt(0) !== 58 /* : */) headers.append(raw[i]!, raw[i + 1]!);
    return (this.#headers = headers);
  }

  get signal(): AbortSignal {
    if (!this.#incoming) return this.#real!.signal;
    return (this.#signal ??= this.#incoming.body?.signal() ?? new AbortController().signal);
  }

  get body(): ReadableStream<Uint8Array> | null {
    const incoming = this.#incoming;
    if (incoming && !this.#real && (incoming.body === null || incoming.method === 'GET' || incoming.method === 'HEAD')) return null;
    return this.#realize().body;
  }

  get bodyUsed(): boolean {
    return this.#real ? this.#real.bodyUsed : false;
  }

  clone(): Request {
    return wrapRequest(this.#incoming ? new NodeRequest(this.#realize().clone(), { headers: this.headers }) : this.#real!.clone());
  }
}

export const isLightRequest = LightRequest.isLight;
export const wrapRequest = LightRequest.wrap;
export const handoffRequest = LightRequest.handoff;
export const makeIncoming = LightRequest.incoming;
const realOfRequest = LightRequest.realOf;
const shapeRequest = shapeLater(LightRequest, nodeRequest, realOfRequest, { name: 'Request', length: 1, statics: [], optional: [], members: ['method', 'url', 'headers', 'destination', 'referrer', 'referrerPolicy', 'mode', 'credentials', 'cache', 'redirect', 'integrity', 'keepalive', 'isReloadNavigation', 'isHistoryNavigation', 'signal', 'body', 'bodyUsed', 'duplex', 'clone', 'blob', 'arrayBuffer', 'text', 'json', 'formData', 'bytes', 'attribute', ...NODE_PROTO_EXTRAS] });
