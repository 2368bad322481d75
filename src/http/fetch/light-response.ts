// The Response class apps get once install.ts has swapped the globals in a
// worker. A Response made from a string, bytes or nothing keeps them as they
// are, with its status and header list, and Node's own Response is built from
// them only when the app reaches for what only that can give (the body stream,
// blob(), formData()). Any other input is handed to Node's constructor at once.
// readParts() reads what the server sends without building anything.

import { flatHeaders, hasField, headerPairs, pairList } from './header-pairs.js';
import { lazyClass, NODE_PROTO_EXTRAS, nodeGlobal, shapeLater, uncloneable } from './node-shape.js';

const nodeResponse = nodeGlobal<typeof Response>('Response');
/** Called by installLightClasses() before it replaces the global. */
export const captureNodeResponse = nodeResponse.capture;
/** Node's Response, read (loading undici) when first used; the light class takes its shape then. */
export const NodeResponse = lazyClass(() => {
  shapeResponse();
  return nodeResponse();
});
const TEXT_TYPE = 'text/plain;charset=UTF-8';
const REASON_PHRASE = /^[\t\x20-\x7e\x80-\xff]*$/;
const NULL_BODY_STATUS = [101, 103, 204, 205, 304];
/** Marks the constructor calls made from inside this file (clone, wrap, json). */
const INTERNAL: unique symbol = Symbol('light response');
const DECODER = new TextDecoder();
const ENCODER = new TextEncoder();

type Raw = string | Uint8Array | null;

/** What the server sends for a Response: the body as given, or Node's stream. */
export interface ResponseParts {
  readonly status: number;
  readonly statusText: string;
  /** Flat [name, value, ...], names lower-case, each Set-Cookie apart. */
  readonly headers: string[];
  readonly body: string | Uint8Array | ReadableStream<Uint8Array> | null;
}

/** A copy of the bytes, as Node's constructor copies a BufferSource; null for anything else. */
function bytesOf(body: unknown): Uint8Array | null {
  if (body instanceof ArrayBuffer) return (body as { resizable?: boolean }).resizable ? null : new Uint8Array(body.slice(0));
  if (ArrayBuffer.isView(body) && body.buffer instanceof ArrayBuffer) {
    return new Uint8Array(body.buffer.slice(body.byteOffset, body.byteOffset + body.byteLength));
  }
  return null;
}

/** What text() gives: UTF-8 decoded, a leading BOM dropped, lone surrogates replaced. */
function textOf(raw: Raw): string {
  if (raw === null) return '';
  if (typeof raw !== 'string') return DECODER.decode(raw);
  const text = raw.charCodeAt(0) === 0xfeff ? raw.slice(1) : raw;
  const wellFormed = text as string & { isWellFormed(): boolean; toWellFormed(): string };
  return wellFormed.isWellFormed() ? text : wellFormed.toWellFormed();
}

function bytesOfRaw(raw: Raw): Uint8Array {
  if (raw === null) return new Uint8Array(0);
  return typeof raw === 'string' ? ENCODER.encode(raw) : raw.slice();
}

interface Plain {
  raw: Raw;
  status: number;
  statusText: string;
  pairs: string[];
}

/** The plain form of (body, init), or null when Node's constructor must decide (or throw). */
function plainOf(body: unknown, init: Record<string, unknown> | undefined, defaultType: string | null): Plain | null {
  let raw: Raw = null;
  if (typeof body === 'string') raw = body;
  else if (body !== undefined && body !== null && (raw = bytesOf(body)) === null) return null;
  // Read once each, in the order Node's dictionary conversion reads them.
  const headers = init?.headers;
  const status = init?.status ?? 200;
  const statusText = init?.statusText ?? '';
  if (typeof status !== 'number' || !Number.isInteger(status) || status < 200 || status > 599) return null;
  if (typeof statusText !== 'string' || !REASON_PHRASE.test(statusText)) return null;
  if (raw !== null && NULL_BODY_STATUS.includes(status)) return null;
  const pairs = headerPairs(headers);
  if (pairs === null) return null;
  const type = typeof raw === 'string' ? (defaultType ?? TEXT_TYPE) : defaultType;
  if (type !== null && !hasField(pairs, 'content-type')) pairs.push('content-type', type);
  return { raw, status, statusText, pairs };
}

export class LightResponse {
  /** Node's Response once built; from then on it answers for the body. */
  #real: Response | null = null;
  #raw: Raw = null;
  #status = 200;
  #statusText = '';
  #pairs: string[] = [];
  /** Once the app asks for headers, this object is the truth, kept across the build of #real. */
  #headers: Headers | null = null;
  #used = false;

  constructor(body: unknown = null, init: unknown = undefined) {
    uncloneable(this);
    if (body === INTERNAL) {
      const from = init as { real?: Response; plain?: Plain; headers?: Headers | null };
      if (from.real) this.#real = from.real;
      if (from.plain) this.#adopt(from.plain);
      this.#headers = from.headers ?? null;
      return;
    }
    if (init !== undefined && init !== null && typeof init !== 'object') {
      this.#real = new NodeResponse(body as BodyInit, init as ResponseInit);
      return;
    }
    const dict = (init ?? undefined) as Record<string, unknown> | undefined;
    const plain = plainOf(body, dict, null);
    if (plain) this.#adopt(plain);
    // The members were read once; Node's constructor reads the same values from a copy.
    else this.#real = new NodeResponse(body as BodyInit, dict && { headers: dict.headers, status: dict.status, statusText: dict.statusText } as ResponseInit);
  }

  #adopt(plain: Plain): void {
    this.#raw = plain.raw;
    this.#status = plain.status;
    this.#statusText = plain.statusText;
    this.#pairs = plain.pairs;
  }

  /** Node's Response for this one, built on first need with the same state (a read body stays read). */
  #realize(): Response {
    if (this.#real) return this.#real;
    const headers = this.#headers ?? pairList(this.#pairs);
    const real = new NodeResponse(this.#raw as BodyInit | null, { status: this.#status, statusText: this.#statusText, headers });
    if (this.#used) void real.arrayBuffer().catch(() => {});
    return (this.#real = real);
  }

  /** Wraps Node's Response (a fetch() result, Response.error()) so it has this class's prototype. */
  static wrap(real: Response): Response {
    return new LightResponse(INTERNAL, { real }) as unknown as Response;
  }

  static isLight(value: unknown): value is LightResponse {
    return typeof value === 'object' && value !== null && #raw in value;
  }

  static realOf(value: object): Response {
    return (value as LightResponse).#realize();
  }

  /** Status, headers and body to send; a plain body is handed over as given, and counts as read. */
  static readParts(response: LightResponse): ResponseParts {
    const self = response;
    const headers = self.#headers ? flatHeaders(self.#headers) : null;
    if (self.#real === null && !self.#used) {
      if (self.#raw !== null) self.#used = true;
      return { status: self.#status, statusText: self.#statusText, headers: headers ?? self.#pairs.slice(), body: self.#raw };
    }
    const real = self.#realize();
    return { status: real.status, statusText: real.statusText, headers: headers ?? flatHeaders(real.headers), body: real.body };
  }

  static json(data: unknown, init: unknown = undefined): Response {
    const text = JSON.stringify(data);
    const dict = init === undefined || init === null ? undefined : init;
    const plain = typeof text === 'string' && (dict === undefined || typeof dict === 'object') ? plainOf(text, dict as Record<string, unknown> | undefined, 'application/json') : null;
    if (plain) return new LightResponse(INTERNAL, { plain }) as unknown as Response;
    return wrapResponse(NodeResponse.json(data, init as ResponseInit));
  }

  static redirect(url: string | URL, status: number = undefined as unknown as number): Response {
    return wrapResponse(NodeResponse.redirect(url, status));
  }

  static error(): Response {
    return wrapResponse(NodeResponse.error());
  }

  get type(): ResponseType {
    return this.#real ? this.#real.type : 'default';
  }

  get url(): string {
    return this.#real ? this.#real.url : '';
  }

  get redirected(): boolean {
    return this.#real ? this.#real.redirected : false;
  }

  get status(): number {
    return this.#real ? this.#real.status : this.#status;
  }

  get ok(): boolean {
    const status = this.status;
    return status >= 200 && status <= 299;
  }

  get statusText(): string {
    return this.#real ? this.#real.statusText : this.#statusText;
  }

  get headers(): Headers {
    if (this.#headers) return this.#headers;
    if (this.#real) return this.#real.headers;
    return (this.#headers = new Headers(pairList(this.#pairs)));
  }

  get body(): ReadableStream<Uint8Array> | null {
    if (this.#real === null && this.#raw === null) return null;
    return this.#realize().body;
  }

  get bodyUsed(): boolean {
    return this.#real ? this.#real.bodyUsed : this.#used;
  }

  /** True when a reader can answer from the plain body (and marks it read). */
  #takePlain(): boolean {
    if (this.#real || this.#used) return false;
    if (this.#raw !== null) this.#used = true;
    return true;
  }

  text(): Promise<string> {
    return this.#takePlain() ? Promise.resolve(textOf(this.#raw)) : this.#realize().text();
  }

  json(): Promise<unknown> {
    if (!this.#takePlain()) return this.#realize().json();
    try {
      return Promise.resolve(JSON.parse(textOf(this.#raw)));
    } catch (err) {
      return Promise.reject(err);
    }
  }

  arrayBuffer(): Promise<ArrayBuffer> {
    if (!this.#takePlain()) return this.#realize().arrayBuffer();
    const bytes = bytesOfRaw(this.#raw);
    return Promise.resolve((bytes.byteLength === bytes.buffer.byteLength ? bytes.buffer : bytes.slice().buffer) as ArrayBuffer);
  }

  bytes(): Promise<Uint8Array> {
    const real = (): Response & { bytes(): Promise<Uint8Array> } => this.#realize() as Response & { bytes(): Promise<Uint8Array> };
    return this.#takePlain() ? Promise.resolve(bytesOfRaw(this.#raw)) : real().bytes();
  }

  clone(): Response {
    const headers = this.#headers && new Headers(this.#headers);
    if (this.#real || this.#used) return new LightResponse(INTERNAL, { real: this.#realize().clone(), headers }) as unknown as Response;
    const plain: Plain = { raw: this.#raw, status: this.#status, statusText: this.#statusText, pairs: this.#pairs };
    return new LightResponse(INTERNAL, { plain, headers }) as unknown as Response;
  }
}

// Taken off the class before shapeLater removes every static Node's Response lacks.
export const wrapResponse = LightResponse.wrap;
export const isLightResponse = LightResponse.isLight;
export const readLightParts = LightResponse.readParts;
const realOfResponse = LightResponse.realOf;
const shapeResponse = shapeLater(LightResponse, nodeResponse, realOfResponse, { name: 'Response', length: 0, statics: ['json', 'redirect', 'error'], optional: ['bytes'], members: ['type', 'url', 'redirected', 'status', 'ok', 'statusText', 'headers', 'body', 'bodyUsed', 'clone', 'blob', 'arrayBuffer', 'text', 'json', 'formData', 'bytes', ...NODE_PROTO_EXTRAS] });
