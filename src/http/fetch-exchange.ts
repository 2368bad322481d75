// One request and its response on a connection served without node:http
// (fetch-connection.ts): the RequestSource the app's Request is made from, the
// answers given before the app (health, proxy refusal, Fetch limits, dev), and
// the bookkeeping at its end. Its response half, the ResponseTarget, is
// exchange-response.ts. Created by FetchConnection per request; runs in workers.

import type { FetchContext } from '../app/loader.js';
import { logAccess, parsedRequest } from './access-record.js';
import { ExchangeResponse } from './exchange-response.js';
import { fetchLimit, notAResponse } from './fetch-adapter.js';
import type { BodyTap, FetchConnection } from './fetch-connection.js';
import { fieldValue } from './field-list.js';
import { absoluteUrl, toRequest, type RequestSource } from './fetch-request.js';
import { bodiless, writeResponse } from './fetch-response.js';
import type { RequestHead } from './head-rules.js';
import { healthAnswer } from './health.js';
import { reasonLine } from './http-error.js';
import { listenerAuthority } from './wire/host.js';
import { ContradictorySchemeHeaders, type ForwardedInfo } from './proxy-headers.js';
import type { RequestInfo } from './request-registry.js';

/** Unread request body bytes held for an app that has not asked for the body yet, before reading pauses. */
const HOLD_BYTES = 64 * 1024;
const CONTINUE = 'HTTP/1.1 100 Continue\r\n\r\n';

class ExchangeContext implements FetchContext {
  readonly waitUntil: (promise: Promise<unknown>) => void;
  readonly #exchange: Exchange;

  constructor(exchange: Exchange, waitUntil: (promise: Promise<unknown>) => void) {
    this.#exchange = exchange;
    this.waitUntil = waitUntil;
  }

  /** Read when asked: the first read of a socket's remoteAddress is a getpeername(2). */
  get remoteAddress(): string {
    return this.#exchange.remoteAddress;
  }

  get clientAddress(): string {
    return this.#exchange.clientAddress;
  }
}

/** Also the request's ClientSignal (through ExchangeResponse): its connection says when the client leaves. */
export class Exchange extends ExchangeResponse implements RequestSource {
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
  /** The dev server notes how much of the body the app read. */
  #tap: BodyTap | undefined;
  #startNs = 0n;

  constructor(conn: FetchConnection, head: RequestHead) {
    super(conn, head);
    this.#bodyEnded = head.body === 0;
  }

  // --- RequestSource ---

  get method(): string {
    return this.requestHead.method;
  }

  /** As received. */
  get target(): string {
    return this.requestHead.target;
  }

  url(): string {
    const socket = this.conn.socket;
    // An empty Host (allowed) names no authority.
    const host = fieldValue(this.requestHead.headers, 'host', false) || listenerAuthority(socket.localAddress, socket.localPort);
    return absoluteUrl(this.requestHead.target, this.#forwarded?.scheme ?? 'http', host);
  }

  headerList(): readonly string[] {
    return this.requestHead.headers;
  }

  body(): ReadableStream<Uint8Array> | null {
    if (this.requestHead.body === 0) return null;
    return new ReadableStream<Uint8Array>({
      start: (controller) => {
        this.#controller = controller;
        for (const chunk of this.#held) controller.enqueue(new Uint8Array(chunk.buffer, chunk.byteOffset, chunk.byteLength));
        this.#held = [];
        this.#heldBytes = 0;
        if (this.#bodyError) controller.error(this.#bodyError);
        else if (this.#bodyEnded) controller.close();
        // The connection closed before the body's end: the app must not see a shorter body as complete.
        else if (this.conn.socket.destroyed) controller.error(new Error('the client closed the connection before the request body ended'));
      },
      pull: () => this.conn.bodyBackpressure(false),
      cancel: () => this.#discardBody(),
    }, { highWaterMark: 1 });
  }

  signal(): AbortSignal {
    return this.requestSignal(this.ended && !this.#bodyError);
  }

  get remoteAddress(): string {
    return this.conn.socket.remoteAddress ?? '';
  }

  get clientAddress(): string {
    return this.#forwarded?.clientAddress ?? this.remoteAddress;
  }

  // --- the request body, from the gate ---

  pushBody(chunk: Buffer): void {
    if (this.#discard) return;
    if (this.#tap) noteBody(this.#tap, chunk);
    if (this.#controller) {
      this.#controller.enqueue(new Uint8Array(chunk.buffer, chunk.byteOffset, chunk.byteLength));
      if ((this.#controller.desiredSize ?? 0) <= 0) this.conn.bodyBackpressure(true);
      return;
    }
    this.#held.push(chunk);
    this.#heldBytes += chunk.length;
    if (this.#heldBytes >= HOLD_BYTES) this.conn.bodyBackpressure(true);
  }

  endBody(): void {
    this.#bodyEnded = true;
    if (this.#controller && !this.#discard) this.#controller.close();
    // A closed stream is pulled no more: reading paused for a full queue resumes here, for the next request.
    this.conn.bodyBackpressure(false);
  }

  /** The app will not read the rest: it is read and dropped, so the connection can go on. */
  #discardBody(): void {
    this.#discard = true;
    this.#held = [];
    this.#heldBytes = 0;
    this.conn.bodyBackpressure(false);
  }

  // --- the connection ---

  /** The client ended its side: the request's signal aborts unless the response is done. */
  clientGone(): void {
    this.clientLeft(this.ended);
  }

  connectionClosed(): void {
    this.clientGone();
    if (!this.#bodyEnded && this.#controller && !this.#discard) this.#controller.error(new Error('the client closed the connection'));
    this.#discard = true;
    if (this.#info && !this.ended) {
      this.ended = true;
      this.conn.service.finished(this, this.conn.socket);
    }
  }

  /**
   * The request's body is broken: the app's body stream errors and its signal
   * aborts; whatever it answers later is dropped, since the connection answers
   * the refusal instead. False (nothing changed) once the response has started.
   */
  abandon(err: Error): boolean {
    if (this.responseStarted) return false;
    this.#bodyError = new Error(`the request body is malformed: ${err.message}`);
    if (this.#controller && !this.#discard) this.#controller.error(this.#bodyError);
    this.#discard = true;
    this.#held = [];
    this.#heldBytes = 0;
    this.clientLeft(false);
    this.ended = true;
    if (this.#info) this.conn.service.finished(this, this.conn.socket);
    return true;
  }

  /** Its turn: answered by the worker (health, a refused proxy header) or by the app. */
  start(): void {
    const service = this.conn.service;
    const socket = this.conn.socket;
    this.#info = service.started(this, socket);
    if (service.access.length > 0) this.#startNs = process.hrtime.bigint();
    const head = this.requestHead;
    if (head.minor === 1 && head.body !== 0 && fieldValue(head.headers, 'expect', false)?.toLowerCase() === '100-continue') socket.write(CONTINUE, 'latin1');
    if (service.healthPath) {
      const answer = healthAnswer(service.healthPath, head.method, head.target, service.draining);
      if (answer) {
        this.close = answer.close;
        this.noBody = head.method === 'HEAD';
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
        this.close = true;
        this.head(400, undefined, ['content-type', 'text/plain; charset=utf-8', 'connection', 'close']);
        this.end(`Bad Request: ${err.message}\n`);
        return;
      }
    }
    const limit = fetchLimit(head.method, head.target);
    if (limit) {
      this.close = true;
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
    const service = this.conn.service;
    const ctx = new ExchangeContext(this, service.waitUntil);
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
    if (this.ended) return;
    this.noBody = bodiless(this.requestHead.method, response.status);
    const pending = writeResponse(this, response, { noBody: this.noBody, http2: false, gone: () => this.signal() });
    if (pending) pending.catch((err) => this.#fail(err));
  }

  #fail(err: unknown): void {
    const { logger } = this.conn.service;
    const socket = this.conn.socket;
    const what = `${this.requestHead.method} ${this.requestHead.target}`;
    if (!this.ended && socket.destroyed) {
      // The client left mid-request (its body stream or our writes failed): not the app's fault.
      logger.debug(`Client went away during ${what}: ${err instanceof Error ? err.message : String(err)}`);
      return;
    }
    logger.exception(`Error handling request ${what}`, err);
    if (this.ended) return;
    if (!this.responseStarted && this.conn.service.dev) {
      this.#send(this.conn.service.dev.errorResponse(err, this.requestHead, this.#tap));
    } else if (!this.responseStarted) {
      this.close = true;
      this.noBody = this.requestHead.method === 'HEAD';
      this.head(500, undefined, ['content-type', 'text/plain; charset=utf-8', 'content-length', '21', 'connection', 'close']);
      this.end('Internal Server Error');
    } else {
      // Headers are out: only a broken connection tells the client the body is incomplete.
      socket.destroy();
    }
  }

  protected finish(): void {
    this.ended = true;
    const service = this.conn.service;
    const socket = this.conn.socket;
    if (this.#info) service.finished(this, socket);
    if (service.access.length > 0) this.#logAccess();
    if (!this.#bodyEnded) this.#discardBody();
    this.conn.done(this, this.close);
  }

  #logAccess(): void {
    const headers = this.responseHeaders;
    const response = { status: this.status, bodyBytes: this.bodyBytes, header: (name: string) => fieldValue(headers, name, true) };
    logAccess(this.conn.service.access, parsedRequest(this.requestHead), response, this.clientAddress, this.#info?.startedAt ?? Date.now(), process.hrtime.bigint() - this.#startNs);
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
