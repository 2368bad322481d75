// Starts the watchdog thread (watchdog-thread.ts) inside a worker and feeds it
// what it needs to judge the event loop: a shared clock the loop updates as it
// turns, and the worker's in-flight requests. Created by Worker; runs in workers.

import { Worker as Thread } from 'node:worker_threads';

/** The global symbol the watchdog reads requests from, through the inspector (it cannot call into a paused thread otherwise). */
const REQUESTS_KEY = 'narwhal.watchdog.requests';
const TICK_MS = 100;

export class Watchdog {
  readonly #thread: Thread;
  readonly #timer: NodeJS.Timeout;

  /** `describeRequests` returns the worker's requests; it is called from inside a paused thread, so it must not await. */
  constructor(fd: number, describeRequests: () => unknown, onError: (err: Error) => void) {
    const shared = new SharedArrayBuffer(8);
    const tick = new Float64Array(shared);
    tick[0] = Date.now();
    (globalThis as Record<symbol, unknown>)[Symbol.for(REQUESTS_KEY)] = () => JSON.stringify(describeRequests());
    this.#thread = new Thread(new URL('./watchdog-thread.js', import.meta.url), {
      workerData: { fd, loopTick: shared, requestsKey: REQUESTS_KEY },
      // The app's loaders and flags are not wanted in the watchdog.
      execArgv: [],
      stdout: false,
      stderr: false,
    });
    this.#thread.unref();
    this.#thread.on('error', (err) => onError(err));
    this.#timer = setInterval(() => (tick[0] = Date.now()), TICK_MS);
    this.#timer.unref();
  }

  stop(): void {
    clearInterval(this.#timer);
    void this.#thread.terminate();
  }
}
