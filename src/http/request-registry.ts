// The requests a worker has in flight, and which one the code running right
// now belongs to, so a stuck worker can be reported with the request it was
// serving. Created by HttpServer; runs in workers.

import { AsyncLocalStorage } from 'node:async_hooks';

export interface RequestInfo {
  readonly method: string;
  readonly path: string;
  /** Epoch milliseconds. */
  readonly startedAt: number;
}

/**
 * Node 24 carries AsyncLocalStorage in the async context frame, almost for free.
 * Before it, AsyncLocalStorage turns on promise hooks for every promise in the
 * process (a measurable cost per request), so there the registry only knows
 * the request whose handler is running synchronously, which is where a loop
 * that never yields usually sits; the in-flight list covers the rest.
 */
const CHEAP_CONTEXT = Number(process.versions.node.split('.')[0]) >= 24;

export class RequestRegistry {
  readonly #inFlight = new Set<RequestInfo>();
  readonly #context = CHEAP_CONTEXT ? new AsyncLocalStorage<RequestInfo>() : null;
  #running: RequestInfo | null = null;

  run(info: RequestInfo, fn: () => void): void {
    this.#inFlight.add(info);
    if (this.#context) {
      this.#context.run(info, fn);
      return;
    }
    this.#running = info;
    try {
      fn();
    } finally {
      this.#running = null;
    }
  }

  remove(info: RequestInfo): void {
    this.#inFlight.delete(info);
  }

  describe(): { current: RequestInfo | null; inFlight: RequestInfo[] } {
    return { current: this.#context?.getStore() ?? this.#running, inFlight: [...this.#inFlight] };
  }
}
