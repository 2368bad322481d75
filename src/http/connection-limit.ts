// --worker-connections: the most client connections one worker holds open at
// once, over all its listeners. At the limit the worker stops accepting, so
// new connections wait in the kernel's listen backlog (or go to a worker with
// room), and accepts again when one closes. Created by HttpServer; runs in workers.

import type net from 'node:net';
import type { Logger } from '../log/logger.js';
import { pauseAccepting, resumeAccepting } from './node-internals.js';

export class ConnectionLimit {
  readonly #limit: number;
  readonly #logger: Logger;
  readonly #servers: net.Server[] = [];
  #open = 0;
  #paused = false;
  /** Node cannot pause accepting here: node's maxConnections (accept, then close) bounds the count instead. */
  #fallback = false;

  constructor(limit: number, logger: Logger) {
    this.#limit = limit;
    this.#logger = logger;
  }

  /** Counts `server`'s connections (raw TCP, before any TLS handshake) toward the limit. */
  watch(server: net.Server): void {
    this.#servers.push(server);
    server.on('connection', (socket: net.Socket) => this.#opened(socket));
  }

  /** Pauses and resumes `server` with the others, without counting its connections (a relay that hands them to a watched server). */
  pauses(server: net.Server): void {
    this.#servers.push(server);
  }

  get open(): number {
    return this.#open;
  }

  #opened(socket: net.Socket): void {
    this.#open++;
    socket.once('close', () => this.#closed());
    if (this.#open >= this.#limit && !this.#paused) this.#pause();
  }

  #closed(): void {
    this.#open--;
    if (this.#paused && this.#open < this.#limit) {
      this.#paused = false;
      for (const server of this.#servers) resumeAccepting(server);
    }
  }

  #pause(): void {
    if (this.#fallback) return;
    this.#paused = true;
    for (const server of this.#servers) {
      if (pauseAccepting(server)) continue;
      this.#fallback = true;
      this.#paused = false;
      for (const s of this.#servers) {
        resumeAccepting(s);
        s.maxConnections = this.#limit;
      }
      this.#logger.warning(`This Node cannot pause accepting connections: past --worker-connections ${this.#limit}, new connections are closed at once instead of waiting in the backlog`);
      return;
    }
    this.#logger.debug(`${this.#open} connections open (--worker-connections): not accepting until one closes`);
  }
}
