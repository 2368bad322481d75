// HTTP/1.1 read by node:http's own parser (llhttp) straight from the socket,
// Gunicorn's other rules checked on what it parsed (and --body-timeout): what
// it refuses is answered (431, 408, 400) after the responses before it, and a
// head it refuses, first or pipelined, is handed with the rest of the connection
// to the strict parser, which may accept it (unknown methods, non-ASCII
// targets, CONNECT); wire/head-tap.ts keeps the bytes for that.
// Created by HttpServer for native listeners; runs in workers.

import type { IncomingMessage, ServerResponse, Server } from 'node:http';
import type { Socket } from 'node:net';
import type { Logger } from '../log/logger.js';
import type { GateOptions } from './connection-gate.js';
import { endWithError, HttpError, refuseWith } from './http-error.js';
import { holdReads, httpMessageOf, releaseFromHttp, tapHttpParser } from './node-internals.js';
import { HeadTap } from './wire/head-tap.js';
import { llhttpReason } from './wire/llhttp-reasons.js';
import { checkParsed, guardTrailers } from './wire/parsed-head.js';

export interface NativeHttp1Options {
  readonly logger: Logger;
  /** The rules, limits and --body-timeout checked on what llhttp parsed. */
  readonly gate: GateOptions;
  /**
   * Serves a connection with the strict parser from its first byte; `bytes` were read already,
   * and its head has been on its way for `headMs` (the strict parser's header timeout counts them).
   */
  readonly toStrict: ((socket: Socket, bytes: Buffer, headMs: number) => void) | null;
}

/** When a native listener accepted the connection: a handed-over head keeps the header timeout it started with. */
const ACCEPTED_AT = Symbol('narwhal.acceptedAt');
/** The connection's HeadTap: a property, not a map, as check() reads it for every request. */
const TAP = Symbol('narwhal.headTap');
type TimedSocket = Socket & { [ACCEPTED_AT]?: number; [TAP]?: HeadTap };

/** The most bytes of a message still arriving kept for a handover (a request body larger than this and a refused head behind it get 400). */
const KEEP_AT_MOST = 256 * 1024;

/** llhttp's refusals of a head it has already handed on, found in its framing once the head is parsed. */
const HEAD_REFUSALS = new Set(['HPE_INVALID_TRANSFER_ENCODING']);

/** llhttp's verdicts that are no request to refuse: the client left, or sent after its own `Connection: close`. */
const SILENT = new Set(['ECONNRESET', 'HPE_CLOSED_CONNECTION', 'HPE_INVALID_EOF_STATE']);

export class NativeHttp1 {
  readonly #options: NativeHttp1Options;
  /** Connections node:http has handed a request from: their bytes so far are no longer all at hand. */
  readonly #served = new WeakSet<Socket>();
  readonly #handedOver = new WeakSet<Socket>();
  /** Connections whose request was refused: what was pipelined behind it is not served. */
  readonly #refused = new WeakSet<Socket>();
  /** Connections a refusal was written to: they linger, read and dropped, until they close. */
  readonly #answered = new WeakSet<Socket>();
  /** Connections with a chunked request whose app call waits for llhttp's verdict on its framing (HEAD_REFUSALS). */
  readonly #deferred = new WeakSet<Socket>();
  /** Those llhttp refused meanwhile, and its code: the request is refused, the app not called. */
  readonly #headRefused = new WeakMap<Socket, string>();

  constructor(options: NativeHttp1Options) {
    this.#options = options;
  }

  /** A connection this listener reads: noted when, for a handover's header timeout. */
  accepted(socket: Socket): void {
    const s = socket as TimedSocket;
    s[ACCEPTED_AT] = performance.now();
    if (!this.#options.toStrict) return;
    const { gate } = this.#options;
    const tap = new HeadTap({
      rules: gate.rules,
      headLimit: gate.headLimit ?? 0,
      headerTimeoutMs: gate.headerTimeoutMs,
      keepAtMost: KEEP_AT_MOST,
      onLineEnds: (status) => this.#refuseLineEnds(socket, status),
    });
    if (!tapHttpParser(socket, tap)) return;
    s[TAP] = tap;
    socket.once('close', () => tap.close());
  }

  install(server: Server): void {
    server.on('clientError', (err: NodeJS.ErrnoException & { rawPacket?: Buffer }, socket: Socket) => this.#onClientError(err, socket));
    // CONNECT: node:http has let go of the socket; the strict parser decides what it is.
    server.on('connect', (req: IncomingMessage, socket: Socket, head: Buffer) => this.#onConnect(req, socket, head));
  }

  /**
   * A request node:http parsed: Gunicorn's rules llhttp does not apply are
   * checked on it, and `next` serves it; a refusal is answered here, the app never called.
   */
  check(req: IncomingMessage, res: ServerResponse, next: (req: IncomingMessage, res: ServerResponse) => void): void {
    // HTTP/2 on a TLS listener (node's compat request carries its stream): its own limits
    // and header map apply (http2.ts). `HTTP/2.0` in an HTTP/1.1 request line is checked below.
    if ((req as { stream?: unknown }).stream !== undefined) {
      next(req, res);
      return;
    }
    const socket = req.socket;
    (socket as TimedSocket)[TAP]?.request(req);
    this.#served.add(socket);
    if (this.#refused.has(socket)) return;
    const gate = this.#options.gate;
    if (gate.uncheckedHeads === true) {
      next(req, res);
      return;
    }
    try {
      const verdict = checkParsed(req, gate.rules, gate.headLimit ?? 0);
      if (verdict.forceClose) res.shouldKeepAlive = false;
      if (verdict.chunked) guardTrailers(req, (name) => this.#refuse(req, res, new HttpError(400, `${name} is not allowed in trailers`)));
      if (verdict.body) this.#timeBody(req);
      // llhttp refuses some chunked heads only after handing them on (`chunked` then a tab): the
      // app is called once the read is parsed, unless llhttp refused it meanwhile.
      if (verdict.chunked) {
        this.#deferred.add(socket);
        queueMicrotask(() => {
          this.#deferred.delete(socket);
          const code = this.#headRefused.get(socket);
          if (code === undefined) next(req, res);
          else this.#refuse(req, res, new HttpError(400, llhttpReason(code)));
        });
        return;
      }
    } catch (err) {
      if (!(err instanceof HttpError)) throw err;
      this.#refuse(req, res, err);
      return;
    }
    next(req, res);
  }

  #refuse(req: IncomingMessage, res: ServerResponse, err: HttpError): void {
    this.#refused.add(req.socket);
    this.#options.gate.onReject?.(err, req.socket);
    if (res.headersSent) res.destroy();
    else refuseWith(res, err);
  }

  /**
   * --body-timeout, as the strict gate applies it: a body whose bytes stop
   * coming for that long while the app reads closes the connection (the app
   * has the request, so its body ending with an error is what tells it). node:http pauses the
   * socket when the app is not reading; then the client is not the slow one.
   * Polls bytesRead: no listener on the request changes how the app reads it.
   */
  #timeBody(req: IncomingMessage): void {
    const ms = this.#options.gate.bodyTimeoutMs;
    if (ms <= 0) return;
    const socket = req.socket;
    let seen = socket.bytesRead;
    const timer = setTimeout(() => {
      if (req.complete || socket.destroyed) return;
      if (socket.bytesRead === seen && !socket.isPaused()) {
        this.#options.gate.onReject?.(new HttpError(408, 'request body stalled', 'body'), socket);
        socket.destroy();
        return;
      }
      seen = socket.bytesRead;
      timer.refresh();
    }, ms);
    timer.unref();
    req.once('close', () => clearTimeout(timer));
  }

  #onClientError(err: NodeJS.ErrnoException & { rawPacket?: Buffer }, socket: Socket): void {
    // node:http's parser reports again on every later packet; the first report was answered.
    if (this.#handedOver.has(socket) || this.#answered.has(socket)) return;
    const code = err.code ?? '';
    // A head handed on and refused after: its request is answered through node:http, in order (check()).
    if (HEAD_REFUSALS.has(code) && this.#deferred.has(socket)) {
      this.#options.logger.debug(`Rejected a request from ${socket.remoteAddress ?? 'a unix socket'}: 400 ${code} ${err.message}`);
      this.#headRefused.set(socket, code);
      return;
    }
    // The request was refused on its head (its answer is on its way, and closes): what its body holds changes nothing.
    if (this.#refused.has(socket)) {
      afterInFlight(socket, () => socket.destroySoon());
      return;
    }
    // A body broken or cut short: the app has the request, so only the closed connection can tell it
    // (node:http then emits 'aborted' and an error on the request).
    const inFlight = httpMessageOf(socket);
    if (inFlight && !inFlight.req.complete) {
      this.#options.logger.debug(`Request body from ${socket.remoteAddress ?? 'a unix socket'} broken: ${code} ${err.message}`);
      // Broken framing while the response has not started gets its 400 first; EOF or a reset, nothing.
      if (inFlight.headersSent || SILENT.has(code) || !socket.writable) socket.destroy();
      else this.#answer(socket, 400, llhttpReason(code));
      return;
    }
    if (SILENT.has(code)) {
      afterInFlight(socket, () => socket.destroySoon());
      return;
    }
    const status = code === 'HPE_HEADER_OVERFLOW' ? 431 : code === 'ERR_HTTP_REQUEST_TIMEOUT' ? 408 : 400;
    const head = status === 400 ? this.#refusedHead(socket, err.rawPacket) : null;
    if (head) {
      this.#options.logger.debug(`llhttp refused a head from ${socket.remoteAddress ?? 'a unix socket'} (${code}): the strict parser reads it`);
      this.#handOver(socket, head);
      return;
    }
    this.#options.logger.debug(`Rejected a request from ${socket.remoteAddress ?? 'a unix socket'}: ${status} ${code} ${err.message}`);
    afterInFlight(socket, () => this.#answer(socket, status, llhttpReason(code)));
  }

  /** The bytes from the first byte of the head llhttp refused, when all are at hand (a copy: `raw` may be node's). */
  #refusedHead(socket: Socket, raw: Buffer | undefined): Buffer | null {
    if (!this.#options.toStrict || !raw) return null;
    const tap = (socket as TimedSocket)[TAP];
    if (tap) {
      const head = tap.refusedHead(raw, socket.bytesRead);
      return head && Buffer.from(head);
    }
    // Without the tap: only a first request read in one packet.
    return !this.#served.has(socket) && socket.bytesRead === raw.length ? Buffer.from(raw) : null;
  }

  /** CR and LF before a request line past the head limit or the header timeout: refused as the strict parser refuses them. */
  #refuseLineEnds(socket: Socket, status: 431 | 408): void {
    if (this.#handedOver.has(socket) || this.#answered.has(socket) || this.#refused.has(socket) || socket.destroyed) return;
    const err = status === 431 ? new HttpError(431, 'request head too large') : new HttpError(408, 'request head not received in time');
    this.#refused.add(socket);
    this.#options.gate.onReject?.(err, socket);
    afterInFlight(socket, () => this.#answer(socket, err.status, err.message));
  }

  #answer(socket: Socket, status: number, why: string): void {
    this.#answered.add(socket);
    endWithError(socket, status, why);
  }

  #onConnect(req: IncomingMessage, socket: Socket, head: Buffer): void {
    if (!this.#options.toStrict || this.#served.has(socket)) {
      endWithError(socket, 400, 'CONNECT is not served');
      return;
    }
    this.#handedOver.add(socket);
    // The head as llhttp read it (it checked every byte); the strict parser reads it again.
    let text = `${req.method} ${req.url} HTTP/${req.httpVersion}\r\n`;
    for (let i = 0; i < req.rawHeaders.length; i += 2) text += `${req.rawHeaders[i]}: ${req.rawHeaders[i + 1]}\r\n`;
    this.#options.toStrict(socket, Buffer.concat([Buffer.from(`${text}\r\n`, 'latin1'), head]), this.#headMs(socket));
  }

  #handOver(socket: Socket, bytes: Buffer): void {
    this.#handedOver.add(socket);
    const served = this.#served.has(socket);
    // What arrives before the strict parser reads (the rest of the head, the
    // client's EOF) would go to this refused parser and be lost: it waits in
    // the kernel instead (and what node:http reads meanwhile, resuming after a
    // pipelined response, the tap keeps). Inside node:http's parser callback,
    // so the parser is freed only once it has returned, and only once the
    // responses to the requests before the refused one are written.
    const resume = holdReads(socket);
    setImmediate(() =>
      afterInFlight(socket, () => {
        if (!releaseFromHttp(socket)) {
          endWithError(socket, 400);
          return;
        }
        const rest = (socket as TimedSocket)[TAP]?.rest() ?? [];
        this.#options.toStrict!(socket, rest.length ? Buffer.concat([bytes, ...rest]) : bytes, this.#headMs(socket, served));
        resume();
      }),
    );
  }

  /** How long the refused head has been arriving: since the connection opened, or for a later one since it began. */
  #headMs(socket: Socket, served = false): number {
    const s = socket as TimedSocket;
    const at = served && s[TAP] ? s[TAP].beganAt : s[ACCEPTED_AT];
    return at === undefined ? 0 : performance.now() - at;
  }
}

/** Runs `fn` once the response being written on `socket` (a pipelined one before the refusal) is done. */
function afterInFlight(socket: Socket, fn: () => void): void {
  const inFlight = httpMessageOf(socket);
  if (inFlight && !inFlight.writableFinished) {
    inFlight.once('close', () => setImmediate(() => afterInFlight(socket, fn)));
    return;
  }
  if (socket.destroyed || !socket.writable) socket.destroy();
  else fn();
}
