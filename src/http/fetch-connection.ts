// Serves a fetch-style app on one plain HTTP/1.1 connection without node:http:
// the strict gate parses each request (connection-gate.ts), an Exchange
// (fetch-exchange.ts) turns it into a Request and writes the Response, and
// this file keeps them in order: pipelined requests are answered one after
// another, keep-alive, half-closed clients, the drain. Created per connection
// by HttpServer for fetch-style apps; runs in workers.

import type { Socket } from 'node:net';
import type { FetchHandler } from '../app/loader.js';
import type { AccessSink } from '../log/access-log.js';
import type { Logger } from '../log/logger.js';
import { ConnectionGate, type GateOptions, type RequestSink } from './connection-gate.js';
import { Exchange } from './fetch-exchange.js';
import type { RequestHead } from './head-rules.js';
import { endWithError, type HttpError } from './http-error.js';
import type { ProxyTrust } from './proxy-headers.js';
import type { RequestInfo } from './request-registry.js';

/** How much of a request body the app read, and its start (for the debug page). */
export interface BodyTap {
  bytes: number;
  head: Buffer[];
  headBytes: number;
}

/** The dev server's answers on this path (dev/dev-hooks.ts): static files and the debug page. */
export interface DirectDev {
  /** A static file's answer, or null to leave the request to the app; `field` takes a lower-case name. */
  staticResponse(method: string, target: string, field: (name: string) => string | undefined): Response | null;
  /** The debug page for an uncaught app error. */
  errorResponse(err: unknown, head: RequestHead, tap: BodyTap | undefined): Response;
}

/** What the connections of one server share: the app, the settings, and the server's bookkeeping. */
export interface FetchService {
  readonly handler: FetchHandler;
  readonly logger: Logger;
  readonly gate: GateOptions;
  readonly access: readonly AccessSink[];
  readonly proxy: ProxyTrust | null;
  readonly healthPath: string | null;
  /** Set by the dev server (--debug). */
  readonly dev: DirectDev | null;
  /** Seconds an idle connection stays open; 0 closes after every response. */
  readonly keepalive: number;
  readonly draining: boolean;
  waitUntil(promise: Promise<unknown>): void;
  /** The Date field's value now. */
  date(): string;
  /** The request is counted and registered (in flight, for drain and stuck-worker reports). */
  started(exchange: Exchange, socket: Socket): RequestInfo;
  /** Runs the app's code as the request's (for stuck-worker reports). */
  run(info: RequestInfo, fn: (exchange: Exchange) => void, exchange: Exchange): void;
  finished(exchange: Exchange, socket: Socket): void;
}

// Requests parsed ahead of their turn (pipelined) before the socket is paused.
const MAX_QUEUED = 16;

export class FetchConnection implements RequestSink {
  readonly #socket: Socket;
  readonly #service: FetchService;
  readonly #gate: ConnectionGate;
  /** The exchange being answered first, then those waiting their turn. */
  readonly #queue: Exchange[] = [];
  /** The exchange whose request body the gate is reading (the last one parsed). */
  #reading: Exchange | null = null;
  #rejected: HttpError | null = null;
  #clientEnded = false;
  #closing = false;
  #pausedForQueue = false;
  /** The keep-alive timeout runs from the first response on; before it, the gate's header timeout. */
  #keepAliveArmed = false;

  constructor(socket: Socket, service: FetchService) {
    this.#socket = socket;
    this.#service = service;
    socket.on('error', (err: NodeJS.ErrnoException) => service.logger.debug(`Connection from ${socket.remoteAddress ?? 'a client'}: ${err.code ?? err.message}`));
    socket.on('timeout', () => this.#onTimeout());
    socket.on('end', () => this.#onClientEnd());
    socket.once('close', () => this.#onClose());
    this.#gate = ConnectionGate.serve(socket, service.gate, this);
  }

  get socket(): Socket {
    return this.#socket;
  }

  get service(): FetchService {
    return this.#service;
  }

  /** No request in flight or waiting: what the keep-alive and drain timeouts may close. */
  get idle(): boolean {
    return this.#queue.length === 0;
  }

  head(head: RequestHead): void {
    const exchange = new Exchange(this, head);
    this.#reading = head.body === 0 ? null : exchange;
    this.#queue.push(exchange);
    if (this.#queue.length === 1) exchange.start();
    else if (this.#queue.length > MAX_QUEUED && !this.#pausedForQueue) {
      this.#pausedForQueue = true;
      this.#socket.pause();
    }
  }

  body(chunk: Buffer): void {
    this.#reading?.pushBody(chunk);
  }

  bodyEnd(): void {
    this.#reading?.endBody();
    this.#reading = null;
  }

  reject(err: HttpError): void {
    // The gate has logged it (GateOptions.onReject).
    if (err.phase === 'body' && this.#reading) {
      // A broken body: its request gets the 4xx unless its response has started; then closing says it.
      const broken = this.#reading;
      this.#reading = null;
      if (!broken.abandon(err)) {
        this.#socket.destroy();
        return;
      }
      this.#queue.splice(this.#queue.indexOf(broken), 1);
    }
    this.#rejected = err;
    if (this.#queue.length === 0) this.#answerRejected();
  }

  /** Whether the response now being written must close the connection. */
  mustClose(head: RequestHead): boolean {
    // Without an upgrade handler an upgrade request is a plain one, and what follows it is not HTTP (the gate stops reading).
    if (head.close || head.upgrade || this.#closing || this.#clientEnded || this.#service.keepalive === 0) return true;
    // Draining: the last request on hand gets `Connection: close`; ones already pipelined behind it are still answered.
    return this.#service.draining && this.#queue.length === 1 && this.#rejected === null;
  }

  /** Called by the exchange at the head of the queue once its response is all written. */
  done(exchange: Exchange, close: boolean): void {
    if (this.#queue[0] !== exchange) return;
    this.#queue.shift();
    if (close) {
      this.#close();
      return;
    }
    if (this.#pausedForQueue && this.#queue.length <= MAX_QUEUED / 2) {
      this.#pausedForQueue = false;
      this.#socket.resume();
    }
    const next = this.#queue[0];
    if (next) next.start();
    else if (this.#rejected) this.#answerRejected();
    else if (this.#clientEnded) this.#close();
    else if (!this.#keepAliveArmed) {
      // Armed once: the socket refreshes it on every read and write, and #onTimeout ignores a busy connection.
      this.#keepAliveArmed = true;
      this.#socket.setTimeout(this.#service.keepalive * 1000);
    }
  }

  /** Pauses or resumes reading for a request body the app is not keeping up with. */
  bodyBackpressure(paused: boolean): void {
    if (paused) this.#socket.pause();
    else if (!this.#pausedForQueue) this.#socket.resume();
  }

  #answerRejected(): void {
    if (this.#closing) return;
    this.#closing = true;
    const socket = this.#socket;
    if (socket.destroyed || !socket.writable) {
      socket.destroy();
      return;
    }
    endWithError(socket, this.#rejected!.status, this.#rejected!.message);
  }

  /** Ends the connection once what is written is flushed; nothing more is read. */
  #close(): void {
    this.#closing = true;
    this.#gate.stop();
    this.#socket.destroySoon();
  }

  #onTimeout(): void {
    // The keep-alive (or the drain's linger) ran out with nothing in flight;
    // a slow app is not the client's doing.
    if (this.#queue.length === 0) this.#socket.destroy();
  }

  #onClientEnd(): void {
    this.#clientEnded = true;
    for (const exchange of this.#queue) exchange.clientGone();
    if (this.#queue.length === 0 && !this.#rejected) this.#close();
  }

  #onClose(): void {
    for (const exchange of this.#queue) exchange.connectionClosed();
    this.#queue.length = 0;
    this.#reading = null;
  }
}
