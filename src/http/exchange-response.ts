// The response half of a request served without node:http: an Exchange
// (fetch-exchange.ts) is one, so nothing more is allocated per request. Frames
// the body (length, chunked, until close, none), adds the Connection and Date
// fields node:http would, and joins a small body to its head. Runs in workers.

import { STATUS_CODES } from './node-http.js';
import type { FetchConnection } from './fetch-connection.js';
import { drainOrClose, type ResponseTarget } from './fetch-response.js';
import type { RequestHead } from './head-rules.js';
import { writeToHandle } from './handle-io.js';
import { ClientSignal } from './policy/client-gone.js';

type Chunk = string | Uint8Array;
type Framing = 'length' | 'chunked' | 'close' | 'none';

/** Bodies up to this size are copied behind the head into one buffer: one write instead of two. */
const JOIN_BYTES = 16 * 1024;
const ASCII = /^[\x00-\x7f]*$/;

export abstract class ExchangeResponse extends ClientSignal implements ResponseTarget {
  protected readonly conn: FetchConnection;
  protected readonly requestHead: RequestHead;
  /** The connection closes after this response. */
  protected close = false;
  /** HEAD or a bodiless status: the head only. */
  protected noBody = false;
  protected ended = false;
  protected status = 0;
  /** As given to head(), lower-case names: what the access record reads. */
  protected responseHeaders: readonly string[] = [];
  protected bodyBytes = 0;
  #pendingHead: string | null = null;
  #headSent = false;
  #framing: Framing = 'length';

  constructor(conn: FetchConnection, head: RequestHead) {
    super();
    this.conn = conn;
    this.requestHead = head;
  }

  /** The response is written through end() (or the connection closed): the exchange's bookkeeping ends. */
  protected abstract finish(): void;

  /** A head is written or waiting: a refusal can no longer replace the response. */
  protected get responseStarted(): boolean {
    return this.#headSent || this.#pendingHead !== null;
  }

  get destroyed(): boolean {
    return this.conn.socket.destroyed;
  }

  head(status: number, statusText: string | undefined, headers: string[]): void {
    const head = this.requestHead;
    const service = this.conn.service;
    let close = this.close || this.conn.mustClose(head);
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
    if (this.noBody) this.#framing = 'none';
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
    this.close = close;
    this.status = status;
    this.responseHeaders = headers;
    this.#pendingHead = `${text}\r\n`;
  }

  write(chunk: Chunk): boolean {
    const socket = this.conn.socket;
    if (socket.destroyed || this.ended) return false;
    const size = typeof chunk === 'string' ? Buffer.byteLength(chunk) : chunk.byteLength;
    if (this.#framing === 'none' || size === 0) {
      this.#flushHead();
      return !socket.writableNeedDrain;
    }
    this.bodyBytes += size;
    if (this.#framing !== 'chunked') return this.#writeWithHead(chunk);
    socket.cork();
    this.#writeWithHead(`${size.toString(16)}\r\n`);
    socket.write(chunk);
    const ok = socket.write('\r\n');
    socket.uncork();
    return ok;
  }

  end(chunk?: Chunk): void {
    const socket = this.conn.socket;
    if (this.ended) return;
    if (!socket.destroyed) {
      if (chunk !== undefined && this.#framing === 'length') {
        this.bodyBytes += typeof chunk === 'string' ? Buffer.byteLength(chunk) : chunk.byteLength;
        this.#writeWithHead(chunk, true);
      } else {
        if (chunk !== undefined) this.write(chunk);
        if (this.#framing === 'chunked') this.#writeWithHead('0\r\n\r\n');
        else this.#flushHead();
      }
    }
    this.finish();
  }

  drained(): Promise<void> {
    return drainOrClose(this.conn.socket);
  }

  #flushHead(): void {
    if (this.#pendingHead === null) return;
    this.conn.socket.write(this.#pendingHead, 'latin1');
    this.#pendingHead = null;
    this.#headSent = true;
  }

  /**
   * Writes `chunk`, joined to the head when the head is still unsent: one
   * write, one packet. A whole response (`last`) goes straight to the handle.
   */
  #writeWithHead(chunk: Chunk, last = false): boolean {
    const socket = this.conn.socket;
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
}
