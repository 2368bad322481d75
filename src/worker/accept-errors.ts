// Out of file descriptors: accept(2) fails (EMFILE, ENFILE) and net.Server
// emits it as an error event, which reaches the worker as an uncaught
// exception. It is not the app's fault: the worker keeps serving, says so once
// per burst, and again when accepting works. Created by Worker; runs in workers.

import type { Logger } from '../log/logger.js';

const RESOURCE_CODES = new Set(['EMFILE', 'ENFILE', 'ENOBUFS', 'ENOMEM']);

/** An accept that failed for want of descriptors or memory, rather than a fault in the app. */
export function isAcceptError(err: unknown): err is NodeJS.ErrnoException {
  const e = err as NodeJS.ErrnoException | null;
  return e instanceof Error && e.syscall === 'accept' && RESOURCE_CODES.has(e.code ?? '');
}

export class AcceptErrors {
  readonly #logger: Logger;
  readonly #quietMs: number;
  #failures = 0;
  #timer: NodeJS.Timeout | null = null;

  /** A burst ends once accepts have not failed for `quietMs`. */
  constructor(logger: Logger, quietMs = 1000) {
    this.#logger = logger;
    this.#quietMs = quietMs;
  }

  report(err: NodeJS.ErrnoException): void {
    if (this.#failures++ === 0) {
      const why = err.code === 'EMFILE' ? 'this process is out of file descriptors (raise `ulimit -n` / LimitNOFILE)' : err.code === 'ENFILE' ? 'the system is out of file descriptors' : 'the system is out of memory for sockets';
      this.#logger.error(`Worker ${process.pid} cannot accept connections: ${err.code}: ${why}. It keeps serving the connections it has and accepts again as descriptors free up.`);
    }
    if (this.#timer) clearTimeout(this.#timer);
    this.#timer = setTimeout(() => this.#endBurst(err.code ?? ''), this.#quietMs);
    this.#timer.unref();
  }

  #endBurst(code: string): void {
    this.#logger.info(`Worker ${process.pid}: no failed accept for ${this.#quietMs} ms after ${this.#failures} (${code}); accepting normally`);
    this.#failures = 0;
    this.#timer = null;
  }
}
