// Running out of file descriptors. On Linux libuv never reports EMFILE on
// accept: it closes the connections it cannot take, silently. So the worker
// probes (opens /dev/null twice a second) and says once per burst that it is
// out, and once that it has recovered. Created by Worker; runs in workers.

import { closeSync, openSync } from '../node-fs.js';
import type { Logger } from '../log/logger.js';

const OUT_CODES = new Set(['EMFILE', 'ENFILE']);

/** An accept that failed for want of descriptors (where libuv does report it), rather than a fault in the app. */
export function isAcceptError(err: unknown): err is NodeJS.ErrnoException {
  return err instanceof Error && (err as NodeJS.ErrnoException).syscall === 'accept' && OUT_CODES.has((err as NodeJS.ErrnoException).code ?? '');
}

export class DescriptorWatch {
  readonly #logger: Logger;
  readonly #timer: NodeJS.Timeout;
  #outSince = 0;

  constructor(logger: Logger, everyMs = 500) {
    this.#logger = logger;
    this.#timer = setInterval(() => this.#probe(), everyMs);
    this.#timer.unref();
  }

  #probe(): void {
    try {
      closeSync(openSync('/dev/null', 'r'));
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code ?? '';
      if (OUT_CODES.has(code)) this.report(code);
      return;
    }
    if (this.#outSince === 0) return;
    this.#logger.info(`Worker ${process.pid} has file descriptors again after ${((Date.now() - this.#outSince) / 1000).toFixed(1)} s; accepting normally`);
    this.#outSince = 0;
  }

  /** Out of descriptors (EMFILE: this process; ENFILE: the system): said once until the next recovery. */
  report(code: string): void {
    if (this.#outSince !== 0) return;
    this.#outSince = Date.now();
    const why = code === 'ENFILE' ? 'the system is out of file descriptors' : 'this worker is out of file descriptors (raise `ulimit -n` / LimitNOFILE, or lower the connections per worker)';
    this.#logger.error(`Worker ${process.pid}: ${code}: ${why}. New connections are closed unanswered until descriptors free up; the connections it holds are still served.`);
  }

  stop(): void {
    clearInterval(this.#timer);
  }
}
