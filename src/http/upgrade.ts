// Hands HTTP/1.1 upgrade requests (WebSocket) to the app's upgrade handler,
// keeps the upgraded connections, and tells the app through ctx.signal when
// the worker starts draining so it can close them properly (WebSocket close
// code 1001). Created by HttpServer in workers when the app has a handler.

import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import type { Logger } from '../log/logger.js';
import { errorResponse } from './http-error.js';
import { tlsInfo, type TlsInfo } from './tls.js';

/** What an app's `upgrade(req, socket, head, ctx)` receives besides node:http's three arguments. */
export interface UpgradeContext {
  /** Aborts when the worker starts draining (TERM, HUP, recycling): close the connection now. */
  readonly signal: AbortSignal;
  /** The client's address as the worker saw it (the peer). */
  readonly remoteAddress: string;
  /** The connection's TLS details; undefined on plain connections. */
  readonly tls: TlsInfo | undefined;
  /** Keeps the worker from exiting until the promise settles, within the graceful timeout. */
  waitUntil(promise: Promise<unknown>): void;
}

export type UpgradeHandler = (req: IncomingMessage, socket: Duplex, head: Buffer, ctx: UpgradeContext) => unknown;

export interface UpgradeOptions {
  readonly logger: Logger;
  readonly waitUntil: (promise: Promise<unknown>) => void;
}

const bytesWritten = (socket: Duplex): number => (socket as Duplex & { bytesWritten?: number }).bytesWritten ?? 0;

export class Upgrades {
  readonly #handler: UpgradeHandler;
  readonly #options: UpgradeOptions;
  readonly #sockets = new Set<Duplex>();
  readonly #draining = new AbortController();
  #accepted = 0;

  constructor(handler: UpgradeHandler, options: UpgradeOptions) {
    this.#handler = handler;
    this.#options = options;
  }

  /** node:http's 'upgrade' listener. */
  handle(req: IncomingMessage, socket: Duplex, head: Buffer): void {
    if (this.#draining.signal.aborted || req.method !== 'GET') {
      // Only GET upgrades passed the gate as upgrades (RFC 6455); node:http may offer others.
      socket.end(errorResponse(this.#draining.signal.aborted ? 503 : 400));
      return;
    }
    this.#accepted++;
    this.#sockets.add(socket);
    socket.once('close', () => this.#sockets.delete(socket));
    // node:http let go of the socket: an error with no listener would take the worker down.
    socket.on('error', (err: Error) => this.#options.logger.debug(`Upgraded connection from ${req.socket.remoteAddress}: ${err.message}`));
    const written = bytesWritten(socket);
    const ctx: UpgradeContext = {
      signal: this.#draining.signal,
      remoteAddress: req.socket.remoteAddress ?? '',
      get tls() {
        return tlsInfo(req.socket);
      },
      waitUntil: this.#options.waitUntil,
    };
    try {
      const result = this.#handler(req, socket, head, ctx) as { then?: unknown } | undefined;
      if (result && typeof result.then === 'function') (result as Promise<unknown>).catch((err) => this.#failed(err, req, socket, written));
    } catch (err) {
      this.#failed(err, req, socket, written);
    }
  }

  #failed(err: unknown, req: IncomingMessage, socket: Duplex, writtenBefore: number): void {
    this.#options.logger.exception(`Error handling upgrade ${req.method} ${req.url}`, err);
    // Nothing may have been written yet; a 500 then is still a proper answer.
    if (socket.writable && bytesWritten(socket) === writtenBefore) socket.end(errorResponse(500));
    else socket.destroy();
  }

  /** The drain started: every upgraded connection's ctx.signal aborts. */
  drain(): void {
    this.#draining.abort();
  }

  /** Upgraded connections still open. */
  get open(): number {
    return this.#sockets.size;
  }

  get accepted(): number {
    return this.#accepted;
  }
}
