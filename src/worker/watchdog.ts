// Starts the watchdog thread (watchdog-thread.cts) inside a worker and feeds it
// what it needs to judge the event loop: a shared clock the loop updates as it
// turns, and the worker's in-flight requests. Created by Worker; runs in workers.

import { createRequire } from 'node:module';
import type { Worker as Thread } from 'node:worker_threads';

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
    // node:worker_threads only when the watchdog is on (not with --no-watchdog).
    const { Worker: Thread } = createRequire(import.meta.url)('node:worker_threads') as typeof import('node:worker_threads');
    this.#thread = new Thread(new URL('./watchdog-thread.cjs', import.meta.url), {
      workerData: { fd, loopTick: shared, requestsKey: REQUESTS_KEY },
      // The app's loaders and flags are not wanted in the watchdog.
      execArgv: [],
      // Any heap limit under V8's default (about 4 GB here) makes V8 size the
      // thread's heap smaller from the start: 0.7 MB less per worker on Node 20,
      // nothing on Node 24. A capture holds a stack and a source map at most.
      resourceLimits: { maxOldGenerationSizeMb: 256 },
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
