// The master's end of a worker's watchdog pipe: asks the watchdog thread for
// the worker's JavaScript stack and in-flight requests, which works even when
// the worker's event loop is blocked. Owned by WorkerHandle; master only.

import type { Socket } from 'node:net';
import type { WatchdogReport, WatchdogRequest } from '../ipc/messages.js';
import { Replies } from '../ipc/replies.js';

export class WatchdogClient {
  readonly #socket: Socket;
  readonly #replies = new Replies<WatchdogReport>();
  #buffered = '';

  constructor(socket: Socket) {
    this.#socket = socket;
    socket.setEncoding('utf8');
    socket.on('data', (chunk: string) => this.#onData(chunk));
    socket.on('error', () => {});
    socket.on('close', () => this.#replies.cancelAll());
    // The pipe must not keep the master alive.
    socket.unref();
  }

  #onData(chunk: string): void {
    this.#buffered += chunk;
    for (let nl = this.#buffered.indexOf('\n'); nl >= 0; nl = this.#buffered.indexOf('\n')) {
      const line = this.#buffered.slice(0, nl);
      this.#buffered = this.#buffered.slice(nl + 1);
      try {
        const report = JSON.parse(line) as WatchdogReport;
        this.#replies.settle(report.id, report);
      } catch {
        // A torn line from a dying worker: nothing to match it to.
      }
    }
  }

  /** The worker's stack and requests, or null when the watchdog does not answer within `timeoutMs`. */
  capture(reason: WatchdogRequest['reason'], timeoutMs: number): Promise<WatchdogReport | null> {
    return this.#replies.ask((id) => {
      const request: WatchdogRequest = { type: 'capture', id, reason };
      // Node opens extra stdio pipes as read-only streams but the fd is a
      // socket pair, so writing works; a dead worker fails the write, and the
      // deadline answers.
      if (this.#socket.destroyed) this.#replies.settle(id, null);
      else this.#socket.write(`${JSON.stringify(request)}\n`);
    }, timeoutMs);
  }

  close(): void {
    this.#socket.destroy();
  }
}
