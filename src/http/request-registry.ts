// The requests a worker has in flight, and which one the code running right
// now belongs to (through AsyncLocalStorage), so a stuck worker can be reported
// with the request it was serving. Created by HttpServer; runs in workers.

import { AsyncLocalStorage } from 'node:async_hooks';

export interface RequestInfo {
  readonly method: string;
  readonly path: string;
  /** Epoch milliseconds. */
  readonly startedAt: number;
}

export class RequestRegistry {
  readonly #inFlight = new Set<RequestInfo>();
  readonly #current = new AsyncLocalStorage<RequestInfo>();

  run(info: RequestInfo, fn: () => void): void {
    this.#inFlight.add(info);
    this.#current.run(info, fn);
  }

  remove(info: RequestInfo): void {
    this.#inFlight.delete(info);
  }

  describe(): { current: RequestInfo | null; inFlight: RequestInfo[] } {
    return { current: this.#current.getStore() ?? null, inFlight: [...this.#inFlight] };
  }
}
