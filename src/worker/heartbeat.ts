// The worker side of the heartbeat: touches the unlinked file the master gave
// it, from the event loop, so a blocked loop stops the touches; with
// autoscaling it also carries the worker's load to the master. Runs in workers.

import { futimesSync } from '../node-fs.js';
import type { LoadSample } from '../ipc/messages.js';

export class Heartbeat {
  readonly #fd: number;
  readonly #timer: NodeJS.Timeout;
  #load: NodeJS.Timeout | null = null;

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

  /**
   * Sends a load sample every `everyMs` from the event loop too: a blocked
   * loop sends none, and the master counts a silent worker as busy.
   */
  carry(sample: () => LoadSample, send: (load: LoadSample) => void, everyMs: number): void {
    this.#load = setInterval(() => send(sample()), everyMs);
    this.#load.unref();
  }

  stop(): void {
    clearInterval(this.#timer);
    if (this.#load) clearInterval(this.#load);
  }
}
