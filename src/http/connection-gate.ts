// Reads one client connection with Gunicorn's strict rules: each request head
// and body (and a PROXY header first, when enabled), with the header and body
// timeouts. What it has checked goes either to node:http's parser (rewritten
// to a canonical form where the parser would misread it; rejected requests
// are answered in order) or, parsed, to a RequestSink (fetch-connection.ts).
// Created per connection by HttpServer in a worker.

import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import { ChunkedReader } from './chunked-reader.js';
import { readFromHandle } from './handle-io.js';
import { HeadFixups } from './head-fixups.js';
import { schemeTrustOf, type GateOptions, type RequestSink } from './gate-options.js';
import { parseHead, type SchemeTrust } from './head-rules.js';
import { lineEnds, skipLimit, slice, startsLikeMethod } from './wire/request-start.js';
import { HttpError, endWithError } from './http-error.js';
import { hasHttpParser, httpDataListener, httpMessageOf, httpPaused } from './node-internals.js';
import { parseProxyHeader, presentAsPeer } from './proxy-protocol.js';

export type { GateOptions, RequestSink } from './gate-options.js';

type Phase = 'proxy' | 'head' | 'length' | 'chunked' | 'tunnel' | 'closed' | 'failed';
type Deliver = (chunk: Buffer) => void;

// Buffers, not strings, to search with: a string needle is converted to bytes on every call.
const CRLF = Buffer.from('\r\n');
const BLANK_LINE = Buffer.from('\r\n\r\n');

export class ConnectionGate {
  readonly #socket: Socket;
  readonly #deliver: Deliver | null;
  readonly #sink: RequestSink | null;
  readonly #opts: GateOptions;
  /** Asked of the peer's address only when a secure-scheme header comes: reading it is a getpeername(2). */
  readonly #trustedScheme: SchemeTrust;
  /** node:http's parser only: the heads it is given rewritten. */
  readonly #fixups: HeadFixups | null;
  #phase: Phase;
  /** An incomplete head (or PROXY header): a buffer grown by doubling, and how much of it is used. */
  #pending: Buffer | null = null;
  #pendingLength = 0;
  #scanFrom = 0;
  #lineEnd = -1;
  /** CR and LF bytes skipped before the next request line in earlier packets. */
  #skipped = 0;
  #remaining = 0;
  #chunked: ChunkedReader | null = null;
  #closeAfterBody = false;
  /** A sink is receiving the current request's body. */
  #bodyOpen = false;
  #held: Buffer[] = [];
  #headerTimer: NodeJS.Timeout | null = null;
  #bodyTimer: NodeJS.Timeout | null = null;

  /** Puts a gate in front of the parser node:http's connection listener just set up on `socket`; null (socket left alone) if its data listener is not where expected. */
  static attach(socket: Socket, opts: GateOptions): ConnectionGate | null {
    const nodeOnData = httpDataListener(socket);
    if (!nodeOnData) return null;
    socket.removeListener('data', nodeOnData);
    const gate = new ConnectionGate(socket, nodeOnData, null, opts);
    // Adding a data listener makes node:http stop consuming the socket natively.
    const onData = (chunk: Buffer) => {
      // After an accepted upgrade node:http lets go of the socket; so does the gate.
      if (gate.#phase === 'tunnel' && !hasHttpParser(gate.#socket)) socket.removeListener('data', onData);
      else gate.#onData(chunk);
    };
    socket.on('data', onData);
    socket.once('close', () => gate.#clearTimers());
    // Before node:http's own end handler, which would call a short body an error.
    socket.prependListener('end', () => gate.#onEnd());
    return gate;
  }

  /** Reads `socket` for `sink`; nothing else reads it. */
  static serve(socket: Socket, opts: GateOptions, sink: RequestSink): ConnectionGate {
    const gate = new ConnectionGate(socket, null, sink, opts);
    readFromHandle(socket, (chunk) => gate.#onData(chunk));
    socket.once('close', () => gate.#clearTimers());
    socket.on('end', () => gate.#onEnd());
    return gate;
  }

  private constructor(socket: Socket, deliver: Deliver | null, sink: RequestSink | null, opts: GateOptions) {
    this.#socket = socket;
    this.#deliver = deliver;
    this.#sink = sink;
    this.#fixups = sink ? null : new HeadFixups();
    this.#opts = opts;
    this.#trustedScheme = schemeTrustOf(socket, opts);
    this.#phase = opts.proxyMode === 'off' ? 'head' : 'proxy';
    this.#startHeaderTimer();
  }

  /**
   * Reads bytes another reader took off the socket first (node:http's parser,
   * before it refused them), whose head has been arriving for `headMs`: the
   * header timeout runs from when it began, not from now.
   */
  takeOver(chunk: Buffer, headMs: number): void {
    if (headMs > 0 && this.#headerTimer && this.#opts.headerTimeoutMs > 0) {
      this.#clearHeaderTimer();
      this.#startHeaderTimer(Math.max(0, this.#opts.headerTimeoutMs - headMs));
    }
    this.#onData(chunk);
  }

  /** Restores what a rewritten head stood for on node:http's request (head-fixups.ts). */
  prepare(req: IncomingMessage, res: ServerResponse): void {
    this.#fixups?.prepare(req, res);
  }

  #onData(chunk: Buffer): void {
    if (this.#phase === 'closed' || this.#phase === 'failed') return;
    if (this.#phase === 'tunnel') {
      this.#forward(chunk);
      return;
    }
    const out: Buffer[] = [];
    let error: unknown = null;
    try {
      this.#consume(chunk, out);
    } catch (err) {
      error = err;
    }
    // Requests that came before a bad one in the same packet are still served.
    if (out.length) this.#forward(out.length === 1 ? out[0]! : Buffer.concat(out));
    if (error) this.#reject(error instanceof HttpError ? error : new HttpError(400, String(error)));
  }

  /** Reads no further requests (the connection is closing). */
  stop(): void {
    if (this.#phase === 'failed') return;
    this.#phase = 'closed';
    this.#clearTimers();
  }

  #forward(chunk: Buffer): void {
    if (!this.#deliver) return;
    if (httpPaused(this.#socket) || this.#held.length) {
      if (this.#held.push(chunk) === 1) this.#socket.once('resume', () => setImmediate(() => this.#flushHeld()));
      return;
    }
    this.#deliver(chunk);
  }

  #flushHeld(): void {
    if (this.#socket.destroyed || !this.#held.length) return;
    if (httpPaused(this.#socket)) {
      this.#socket.once('resume', () => setImmediate(() => this.#flushHeld()));
      return;
    }
    const chunk = Buffer.concat(this.#held);
    this.#held = [];
    this.#deliver?.(chunk);
  }

  #consume(chunk: Buffer, out: Buffer[]): void {
    let data = chunk;
    let i = 0;
    while (i < data.length) {
      switch (this.#phase) {
        case 'proxy':
        case 'head': {
          const rest = i === 0 ? data : data.subarray(i);
          const buf = this.#pending ? this.#append(rest) : rest;
          const used = this.#phase === 'proxy' ? this.#proxy(buf) : this.#head(buf, out);
          if (used < 0) {
            if (!this.#pending) this.#append(buf);
            return;
          }
          this.#pending = null;
          this.#pendingLength = 0;
          data = buf;
          i = used;
          break;
        }
        case 'length': {
          const n = Math.min(this.#remaining, data.length - i);
          if (this.#sink) this.#sink.body(slice(data, i, i + n));
          else out.push(data.subarray(i, i + n));
          i += n;
          this.#remaining -= n;
          if (this.#remaining === 0) this.#bodyDone();
          else this.#armBodyTimer();
          break;
        }
        case 'chunked': {
          if (this.#sink) {
            const decoded: Buffer[] = [];
            i = this.#chunked!.feed(data, i, decoded);
            for (const part of decoded) this.#sink.body(part);
          } else {
            i = this.#chunked!.feed(data, i, out);
          }
          if (this.#chunked!.done) this.#bodyDone();
          else this.#armBodyTimer();
          break;
        }
        case 'tunnel':
          out.push(data.subarray(i));
          return;
        default:
          return;
      }
    }
  }

  /** Adds to the incomplete head; copying stays linear however small the packets. */
  #append(bytes: Buffer): Buffer {
    const needed = this.#pendingLength + bytes.length;
    if (!this.#pending || needed > this.#pending.length) {
      const grown = Buffer.allocUnsafe(Math.max(1024, needed * 2));
      this.#pending?.copy(grown, 0, 0, this.#pendingLength);
      this.#pending = grown;
    }
    bytes.copy(this.#pending, this.#pendingLength);
    this.#pendingLength = needed;
    return this.#pending.subarray(0, needed);
  }

  /** Returns bytes consumed, or -1 when more are needed. */
  #proxy(buf: Buffer): number {
    const result = parseProxyHeader(buf, this.#opts.proxyMode);
    if (result === 'more') return -1;
    this.#phase = 'head';
    if (result === null) return 0;
    if (!this.#opts.proxyAllowed(this.#socket.remoteAddress)) throw new HttpError(403, `PROXY header from ${this.#socket.remoteAddress} not allowed`);
    if (result.client) presentAsPeer(this.#socket, result.client);
    return result.consumed;
  }

  /** Reads one request head from `buf`; returns bytes consumed, or -1 when more are needed. */
  #head(buf: Buffer, out: Buffer[]): number {
    const { rules } = this.#opts;
    // RFC 9112 2.2: empty lines before a request line are ignored (as llhttp, any CR or LF);
    // they count against the head limit, so an endless stream of them is refused, and timed.
    const start = lineEnds(buf);
    const lead = this.#skipped + start;
    if (start > 0 && lead > skipLimit(rules, this.#opts.headLimit)) throw new HttpError(431, 'request head too large');
    if (start === buf.length) {
      this.#skipped = lead;
      this.#startHeaderTimer();
      return start;
    }
    // Heads that trickle in are not rescanned from their start on every packet.
    const lineEnd = this.#lineEnd >= 0 ? this.#lineEnd : buf.indexOf(CRLF, start);
    if (lineEnd < 0) {
      if (buf.length - start - 2 > rules.limitRequestLine) throw new HttpError(400, 'request line too long');
      // A TLS handshake or binary bytes cannot begin a request: refused now, not at the header timeout.
      if (!startsLikeMethod(buf, start)) throw new HttpError(400, 'not an HTTP request');
      return this.#needMore(buf, start);
    }
    if (lineEnd - start > rules.limitRequestLine) throw new HttpError(400, 'request line too long');
    this.#lineEnd = lineEnd;
    const end = buf.indexOf(BLANK_LINE, Math.max(lineEnd, start + this.#scanFrom));
    const headLimit = this.#opts.headLimit ?? 0;
    if (end < 0) {
      if (buf.length - lineEnd - 2 > rules.maxHeaderBytes || (headLimit > 0 && buf.length - start + lead > headLimit + 2)) throw new HttpError(431, 'request head too large');
      return this.#needMore(buf, start);
    }
    if (end - lineEnd - 2 > rules.maxHeaderBytes || (headLimit > 0 && end - start + 2 + lead > headLimit)) throw new HttpError(431, 'request head too large');
    this.#scanFrom = 0;
    this.#lineEnd = -1;
    this.#skipped = 0;
    const head = parseHead(buf.toString('latin1', start, end), rules, this.#trustedScheme);
    this.#clearHeaderTimer();
    // Without an upgrade handler, an upgrade request is a plain request that closes the connection.
    const tunnel = head.upgrade && this.#opts.acceptUpgrades === true && this.#sink === null;
    if (this.#sink) {
      this.#bodyOpen = head.body !== 0;
      this.#sink.head(head);
    } else {
      out.push(head.forward ? this.#fixups!.serialize(head) : slice(buf, start, end + 4));
    }
    this.#closeAfterBody = head.close || head.upgrade;
    if (tunnel) {
      // node:http decides whether the app takes the upgrade; either way it reads what follows.
      this.#phase = 'tunnel';
    } else if (head.body === 'chunked') {
      this.#chunked = new ChunkedReader(rules.limitRequestFields, rules.limitRequestFieldSize, this.#sink === null);
      this.#phase = 'chunked';
      this.#armBodyTimer();
    } else if (head.body > 0) {
      this.#remaining = head.body;
      this.#phase = 'length';
      this.#armBodyTimer();
    } else {
      this.#bodyDone();
    }
    return end + 4;
  }

  #needMore(buf: Buffer, start: number): number {
    // The next search for the blank line resumes near the end, not from the start.
    this.#scanFrom = Math.max(0, buf.length - start - 3);
    this.#startHeaderTimer();
    return -1;
  }

  /**
   * The client closed its side. A body in flight is cut short: an error on the app's body stream (RFC 9112 6.3:
   * an incomplete message), never a shorter body that looks complete. Closing tells node:http ('aborted') and a sink.
   */
  #onEnd(): void {
    if (this.#phase !== 'length' && this.#phase !== 'chunked') return;
    this.#reject(new HttpError(400, 'request body cut short', 'body'), true);
  }

  #bodyDone(): void {
    this.#chunked = null;
    this.#clearBodyTimer();
    if (this.#bodyOpen) {
      this.#bodyOpen = false;
      this.#sink!.bodyEnd();
    }
    // After a request that closes the connection, further bytes are not requests.
    if (this.#phase !== 'closed' && this.#phase !== 'failed') this.#phase = this.#closeAfterBody ? 'closed' : 'head';
  }

  /** `gone`: the client stopped sending (EOF, a stalled body): closing is the only answer that reaches anyone. */
  #reject(err: HttpError, gone = false): void {
    this.#phase = 'failed';
    this.#pending = null;
    this.#pendingLength = 0;
    this.#clearTimers();
    this.#opts.onReject?.(err, this.#socket);
    if (gone) this.#socket.destroy();
    else if (this.#sink) this.#sink.reject(err);
    else if (err.phase === 'body') this.#answerBodyError(err);
    else this.#answerWhenIdle(err.status, err.message);
  }

  /**
   * A body broken mid-way (bad chunk framing or trailer): a 4xx while its response has not started, else only
   * the closed connection can say it. The app's request errors ('aborted') when the connection closes.
   */
  #answerBodyError(err: HttpError): void {
    const inFlight = httpMessageOf(this.#socket);
    // The broken request's response, not an earlier pipelined one (whose request is complete).
    if (inFlight && (inFlight.headersSent || inFlight.req.complete)) this.#socket.destroy();
    else if (this.#socket.destroyed || !this.#socket.writable) this.#socket.destroy();
    else endWithError(this.#socket, err.status, err.message);
  }

  /** Answers after the responses to earlier pipelined requests, so none is cut or misordered. */
  #answerWhenIdle(status: number, why: string): void {
    const socket = this.#socket;
    const inFlight = httpMessageOf(socket);
    if (inFlight) {
      inFlight.once('close', () => setImmediate(() => this.#answerWhenIdle(status, why)));
      return;
    }
    if (socket.destroyed || !socket.writable) {
      socket.destroy();
      return;
    }
    endWithError(socket, status, why);
  }

  #startHeaderTimer(ms = this.#opts.headerTimeoutMs): void {
    if (this.#headerTimer || this.#opts.headerTimeoutMs <= 0) return;
    this.#headerTimer = setTimeout(() => this.#reject(new HttpError(408, 'request head not received in time')), ms);
    this.#headerTimer.unref();
  }

  #clearHeaderTimer(): void {
    if (this.#headerTimer) clearTimeout(this.#headerTimer);
    this.#headerTimer = null;
  }

  #armBodyTimer(): void {
    if (this.#opts.bodyTimeoutMs <= 0) return;
    if (this.#bodyTimer) {
      this.#bodyTimer.refresh();
      return;
    }
    this.#bodyTimer = setTimeout(() => this.#onBodyTimeout(), this.#opts.bodyTimeoutMs);
    this.#bodyTimer.unref();
  }

  #onBodyTimeout(): void {
    this.#bodyTimer = null;
    if (this.#phase !== 'length' && this.#phase !== 'chunked') return;
    // A paused socket means the app is not reading: the client is not the slow one.
    if (this.#socket.isPaused()) this.#armBodyTimer();
    else this.#reject(new HttpError(408, 'request body stalled', 'body'), true);
  }

  #clearBodyTimer(): void {
    if (this.#bodyTimer) clearTimeout(this.#bodyTimer);
    this.#bodyTimer = null;
  }

  #clearTimers(): void {
    this.#clearHeaderTimer();
    this.#clearBodyTimer();
  }
}
