// One request and its response on a connection served without node:http
// (fetch-connection.ts): the RequestSource the app's Request is made from,
// and the ResponseTarget its Response is written to, with the framing,
// Connection and Date fields node:http would write. Runs in workers.

import { STATUS_CODES } from './node-http.js';
import type { FetchContext } from '../app/loader.js';
import type { AccessRecord } from '../log/access-log.js';
import { headAccessRecord } from './access-record.js';
import { fetchLimit, notAResponse } from './fetch-adapter.js';
import type { BodyTap, FetchConnection } from './fetch-connection.js';
import { fieldValue } from './field-list.js';
import { absoluteUrl, toRequest, type RequestSource } from './fetch-request.js';
import { bodiless, drainOrClose, writeResponse, type ResponseTarget } from './fetch-response.js';
import type { RequestHead } from './head-rules.js';
import { writeToHandle } from './handle-io.js';
import { healthAnswer } from './health.js';
import { reasonLine } from './http-error.js';
import { listenerAuthority } from './wire/host.js';
import { ContradictorySchemeHeaders, type ForwardedInfo } from './proxy-headers.js';
import type { RequestInfo } from './request-registry.js';

type Chunk = string | Uint8Array;
type Framing = 'length' | 'chunked' | 'close' | 'none';

/** Unread request body bytes held for an app that has not asked for the body yet, before reading pauses. */
const HOLD_BYTES = 64 * 1024;
/** Bodies up to this size are copied behind the head into one buffer: one write instead of two. */
const JOIN_BYTES = 16 * 1024;
const CONTINUE = 'HTTP/1.1 100 Continue\r\n\r\n';
const ASCII = /^[\x00-\x7f]*$/;

class ExchangeContext implements FetchContext {
  readonly remoteAddress: string;
  readonly waitUntil: (promise: Promise<unknown>) => void;
  readonly #exchange: Exchange;

  constructor(exchange: Exchange, remoteAddress: string, waitUntil: (promise: Promise<unknown>) => void) {
    this.#exchange = exchange;
    this.remoteAddress = remoteAddress;
    this.waitUntil = waitUntil;
  }

  get clientAddress(): string {
    return this.#exchange.clientAddress;
  }
}

export class Exchange implements RequestSource, ResponseTarget {
  readonly #conn: FetchConnection;
  readonly #head: RequestHead;
  #info: RequestInfo | null = null;
  #forwarded: ForwardedInfo | null = null;
  // The request body: held chunks until the app asks, then a stream.
  #held: Buffer[] = [];
  #heldBytes = 0;
  #controller: ReadableStreamDefaultController<Uint8Array> | null = null;
  #bodyEnded: boolean;
  #discard = false;
  /** Set when the body turned out broken (bad framing): the app's body stream errors with it. */
  #bodyError: Error | null = null;
  #abort: AbortController | null = null;
  /** The dev server notes how much of the body the app read. */
  #tap: BodyTap | undefined;
  #gone = false;
  // The response.
  #pendingHead: string | null = null;
  #framing: Framing = 'length';
  #close = false;
  #headSent = false;
  #ended = false;
  #noBody = false;
  #status = 0;
  #responseHeaders: readonly string[] = [];
  #bodyBytes = 0;
  #startNs = 0n;

  constructor(conn: FetchConnection, head: RequestHead) {
    this.#conn = conn;
    this.#head = head;
    this.#bodyEnded = head.body === 0;
  }

  // --- RequestSource ---

  get method(): string {
    return this.#head.method;
  }

  /** As received. */
  get target(): string {
    return this.#head.target;
  }

  url(): string {
    const socket = this.#conn.socket;
    // An empty Host (allowed) names no authority.
    const host = fieldValue(this.#head.headers, 'host', false) || listenerAuthority(socket.localAddress, socket.localPort);
    return absoluteUrl(this.#head.target, this.#forwarded?.scheme ?? 'http', host);
  }

  headerList(): readonly string[] {
    return this.#head.headers;
  }

  body(): ReadableStream<Uint8Array> | null {
    if (this.#head.body === 0) return null;
    return new ReadableStream<Uint8Array>({
      start: (controller) => {
        this.#controller = controller;
        for (const chunk of this.#held) controller.enqueue(new Uint8Array(chunk.buffer, chunk.byteOffset, chunk.byteLength));
        this.#held = [];
        this.#heldBytes = 0;
        if (this.#bodyError) controller.error(this.#bodyError);
        else if (this.#bodyEnded) controller.close();
        // The connection closed before the body's end: the app must not see a shorter body as complete.
        else if (this.#conn.socket.destroyed) controller.error(new Error('the client closed the connection before the request body ended'));
      },
      pull: () => this.#conn.bodyBackpressure(false),
      cancel: () => this.#discardBody(),
    }, { highWaterMark: 1 });
  }

  signal(): AbortSignal {
    this.#abort ??= new AbortController();
    if (this.#gone && (!this.#ended || this.#bodyError)) this.#abort.abort();
    return this.#abort.signal;
  }

  get clientAddress(): string {
    return this.#forwarded?.clientAddress ?? this.#conn.socket.remoteAddress ?? '';
  }

  // --- the request body, from the gate ---

  pushBody(chunk: Buffer): void {
    if (this.#discard) return;
    if (this.#tap) noteBody(this.#tap, chunk);
    if (this.#controller) {
      this.#controller.enqueue(new Uint8Array(chunk.buffer, chunk.byteOffset, chunk.byteLength));
      if ((this.#controller.desiredSize ?? 0) <= 0) this.#conn.bodyBackpressure(true);
      return;
    }
    this.#held.push(chunk);
    this.#heldBytes += chunk.length;
    if (this.#heldBytes >= HOLD_BYTES) this.#conn.bodyBackpressure(true);
  }

  endBody(): void {
    this.#bodyEnded = true;
    if (this.#controller && !this.#discard) this.#controller.close();
    // A closed stream is pulled no more: reading paused for a full queue resumes here, for the next request.
    this.#conn.bodyBackpressure(false);
  }

  /** The app will not read the rest: it is read and dropped, so the connection can go on. */
  #discardBody(): void {
    this.#discard = true;
    this.#held = [];
    this.#heldBytes = 0;
    this.#conn.bodyBackpressure(false);
  }

  // --- the connection ---

  /** The client ended its side: the request's signal aborts unless the response is done. */
  clientGone(): void {
    this.#gone = true;
    if (!this.#ended) this.#abort?.abort();
  }

  connectionClosed(): void {
    this.clientGone();
    if (!this.#bodyEnded && this.#controller && !this.#discard) this.#controller.error(new Error('the client closed the connection'));
    this.#discard = true;
    if (this.#info && !this.#ended) {
      this.#ended = true;
      this.#conn.service.finished(this, this.#conn.socket);
    }
  }

  /**
   * The request's body is broken: the app's body stream errors and its signal
   * aborts; whatever it answers later is dropped, since the connection answers
   * the refusal instead. False (nothing changed) once the response has started.
   */
  abandon(err: Error): boolean {
    if (this.#headSent || this.#pendingHead !== null) return false;
    this.#bodyError = new Error(`the request body is malformed: ${err.message}`);
    if (this.#controller && !this.#discard) this.#controller.error(this.#bodyError);
    this.#discard = true;
    this.#held = [];
    this.#heldBytes = 0;
    this.#gone = true;
    this.#abort?.abort();
    this.#ended = true;
    if (this.#info) this.#conn.service.finished(this, this.#conn.socket);
    return true;
  }

  /** Its turn: answered by the worker (health, a refused proxy header) or by the app. */
  start(): void {
    const service = this.#conn.service;
    const socket = this.#conn.socket;
    this.#info = service.started(this, socket);
    if (service.access.length > 0) this.#startNs = process.hrtime.bigint();
    const head = this.#head;
    if (head.minor === 1 && head.body !== 0 && fieldValue(head.headers, 'expect', false)?.toLowerCase() === '100-continue') socket.write(CONTINUE, 'latin1');
    if (service.healthPath) {
      const answer = healthAnswer(service.healthPath, head.method, head.target, service.draining);
      if (answer) {
        this.#close = answer.close;
        this.#noBody = head.method === 'HEAD';
        this.head(answer.status, undefined, Object.entries(answer.headers).flat());
        this.end(answer.body);
        return;
      }
    }
    if (service.proxy) {
      try {
        this.#forwarded = service.proxy.resolveFields(head.headers, socket);
      } catch (err) {
        if (!(err instanceof ContradictorySchemeHeaders)) throw err;
        this.#close = true;
        this.head(400, undefined, ['content-type', 'text/plain; charset=utf-8', 'connection', 'close']);
        this.end(`Bad Request: ${err.message}\n`);
        return;
      }
    }
    const limit = fetchLimit(head.method, head.target);
    if (limit) {
      this.#close = true;
      const body = reasonLine(limit.status, limit.message);
      this.head(limit.status, undefined, ['content-type', 'text/plain; charset=utf-8', ...(limit.status === 405 ? ['allow', 'GET, HEAD, POST, PUT, PATCH, DELETE, OPTIONS'] : []), 'connection', 'close']);
      this.end(body);
      return;
    }
    if (service.dev) {
      const file = service.dev.staticResponse(head.method, head.target, (name) => fieldValue(head.headers, name, false));
      if (file) {
        this.#send(file);
        return;
      }
      this.#tap = { bytes: 0, head: [], headBytes: 0 };
    }
    service.run(this.#info, runApp, this);
  }

  run(): void {
    const service = this.#conn.service;
    const ctx = new ExchangeContext(this, this.#conn.socket.remoteAddress ?? '', service.waitUntil);
    try {
      const result = service.handler(toRequest(this), ctx);
      // A synchronous Response is written now, without a promise hop.
      if (result instanceof Response) this.#send(result);
      else Promise.resolve(result).then((response) => this.#send(response)).catch((err) => this.#fail(err));
    } catch (err) {
      this.#fail(err);
    }
  }

  #send(response: unknown): void {
    if (!(response instanceof Response)) throw notAResponse(response);
    if (this.#ended) return;
    this.#noBody = bodiless(this.#head.method, response.status);
    const pending = writeResponse(this, response, { noBody: this.#noBody, http2: false, gone: () => this.signal() });
    if (pending) pending.catch((err) => this.#fail(err));
  }

  #fail(err: unknown): void {
    const { logger } = this.#conn.service;
    const socket = this.#conn.socket;
    const what = `${this.#head.method} ${this.#head.target}`;
    if (!this.#ended && socket.destroyed) {
      // The client left mid-request (its body stream or our writes failed): not the app's fault.
      logger.debug(`Client went away during ${what}: ${err instanceof Error ? err.message : String(err)}`);
      return;
    }
    logger.exception(`Error handling request ${what}`, err);
    if (this.#ended) return;
    if (!this.#headSent && this.#pendingHead === null && this.#conn.service.dev) {
      this.#send(this.#conn.service.dev.errorResponse(err, this.#head, this.#tap));
    } else if (!this.#headSent && this.#pendingHead === null) {
      this.#close = true;
      this.#noBody = this.#head.method === 'HEAD';
      this.head(500, undefined, ['content-type', 'text/plain; charset=utf-8', 'content-length', '21', 'connection', 'close']);
      this.end('Internal Server Error');
    } else {
      // Headers are out: only a broken connection tells the client the body is incomplete.
      socket.destroy();
    }
  }

  // --- ResponseTarget ---

  get destroyed(): boolean {
    return this.#conn.socket.destroyed;
  }

  head(status: number, statusText: string | undefined, headers: string[]): void {
    const head = this.#head;
    const service = this.#conn.service;
    let close = this.#close || this.#conn.mustClose(head);
    let length = false;
    let coded = false;
    let date = false;
    let connection = false;
    let text = `HTTP/1.1 ${status} ${statusText ?? STATUS_CODES[status] ?? 'unknown'}\r\n`;
    for (let i = 0; i < headers.length; i += 2) {
      const name = headers[i]!;
      const value = headers[i + 1]!;
      text += `${name}: ${value}\r\n`;
      // Names from a Response's Headers are lower-case.
      if (name === 'content-length') length = true;
      else if (name === 'transfer-encoding') coded = true;
      else if (name === 'date') date = true;
      else if (name === 'connection') {
        connection = true;
        if (value.toLowerCase().includes('close')) close = true;
      }
    }
    if (!date) text += `Date: ${service.date()}\r\n`;
    if (this.#noBody) this.#framing = 'none';
    else if (length) this.#framing = 'length';
    else if (coded || head.minor === 1) {
      this.#framing = 'chunked';
      if (!coded) text += 'Transfer-Encoding: chunked\r\n';
    } else {
      // HTTP/1.0 without a length: the body ends where the connection does.
      this.#framing = 'close';
      close = true;
    }
    if (!connection) text += close ? 'Connection: close\r\n' : `Connection: keep-alive\r\nKeep-Alive: timeout=${Math.floor(service.keepalive)}\r\n`;
    this.#close = close;
    this.#status = status;
    this.#responseHeaders = headers;
    this.#pendingHead = `${text}\r\n`;
  }

  write(chunk: Chunk): boolean {
    const socket = this.#conn.socket;
    if (socket.destroyed || this.#ended) return false;
    const size = typeof chunk === 'string' ? Buffer.byteLength(chunk) : chunk.byteLength;
    if (this.#framing === 'none' || size === 0) {
      this.#flushHead();
      return !socket.writableNeedDrain;
    }
    this.#bodyBytes += size;
    if (this.#framing !== 'chunked') return this.#writeWithHead(chunk);
    socket.cork();
    this.#writeWithHead(`${size.toString(16)}\r\n`);
    socket.write(chunk);
    const ok = socket.write('\r\n');
    socket.uncork();
    return ok;
  }

  end(chunk?: Chunk): void {
    const socket = this.#conn.socket;
    if (this.#ended) return;
    if (!socket.destroyed) {
      if (chunk !== undefined && this.#framing === 'length') {
        this.#bodyBytes += typeof chunk === 'string' ? Buffer.byteLength(chunk) : chunk.byteLength;
        this.#writeWithHead(chunk, true);
      } else {
        if (chunk !== undefined) this.write(chunk);
        if (this.#framing === 'chunked') this.#writeWithHead('0\r\n\r\n');
        else this.#flushHead();
      }
    }
    this.#finish();
  }

  drained(): Promise<void> {
    return drainOrClose(this.#conn.socket);
  }

  #flushHead(): void {
    if (this.#pendingHead === null) return;
    this.#conn.socket.write(this.#pendingHead, 'latin1');
    this.#pendingHead = null;
    this.#headSent = true;
  }

  /**
   * Writes `chunk`, joined to the head when the head is still unsent: one
   * write, one packet. A whole response (`last`) goes straight to the handle.
   */
  #writeWithHead(chunk: Chunk, last = false): boolean {
    const socket = this.#conn.socket;
    const head = this.#pendingHead;
    if (head === null) return socket.write(chunk);
    this.#pendingHead = null;
    this.#headSent = true;
    let joined: Chunk | null = null;
    if (typeof chunk === 'string') {
      // Header values may hold latin1 bytes; a body string is UTF-8.
      if (ASCII.test(head)) joined = head + chunk;
    } else if (chunk.byteLength <= JOIN_BYTES) {
      const bytes = Buffer.allocUnsafe(head.length + chunk.byteLength);
      bytes.write(head, 0, 'latin1');
      bytes.set(chunk, head.length);
      joined = bytes;
    }
    if (joined !== null) {
      if (!last) return socket.write(joined);
      writeToHandle(socket, joined);
      return true;
    }
    socket.cork();
    socket.write(head, 'latin1');
    const ok = socket.write(chunk);
    socket.uncork();
    return ok;
  }

  #finish(): void {
    this.#ended = true;
    const service = this.#conn.service;
    const socket = this.#conn.socket;
    if (this.#info) service.finished(this, socket);
    if (service.access.length > 0) {
      const record = this.#accessRecord();
      for (const sink of service.access) sink.write(record);
    }
    if (!this.#bodyEnded) this.#discardBody();
    this.#conn.done(this, this.#close);
  }

  #accessRecord(): AccessRecord {
    return headAccessRecord(this.#head, this.clientAddress, this.#status, this.#responseHeaders, this.#bodyBytes, this.#info?.startedAt ?? Date.now(), process.hrtime.bigint() - this.#startNs);
  }
}

const PREVIEW_BYTES = 2048;

function noteBody(tap: BodyTap, chunk: Buffer): void {
  tap.bytes += chunk.length;
  if (tap.headBytes >= PREVIEW_BYTES) return;
  const part = chunk.subarray(0, PREVIEW_BYTES - tap.headBytes);
  tap.head.push(part);
  tap.headBytes += part.length;
}

function runApp(exchange: Exchange): void {
  exchange.run();
}
