// The worker side of the heartbeat: touches the unlinked file the master gave
// it, from the event loop, so a blocked loop stops the touches. Runs in workers.

import { futimesSync } from 'node:fs';

export class Heartbeat {
  readonly #fd: number;
  readonly #timer: NodeJS.Timeout;

  /** `timeout` is the master's limit in seconds; the worker beats four times within it (at most once a second). */
  constructor(fd: number, timeout: number) {
    this.#fd = fd;
    this.beat();
    const every = timeout > 0 ? Math.min(1000, (timeout * 1000) / 4) : 1000;
    this.#timer = setInterval(() => this.beat(), every);
    this.#timer.unref();
  }

  beat(): void {
    const now = Date.now() / 1000;
    try {
      futimesSync(this.#fd, now, now);
    } catch {
      // The master closed its side (it is gone or the worker is being killed).
    }
  }

  stop(): void {
    clearInterval(this.#timer);
  }
}
