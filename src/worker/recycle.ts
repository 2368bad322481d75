// Decides when a worker should be recycled (--max-requests with jitter,
// --max-worker-memory checked between requests, --max-worker-lifetime) and
// says so once. Created by Worker; runs in workers. The master does the rest.

import type { Config } from '../config/settings.js';
import type { RecycleKind } from '../ipc/messages.js';
import { residentBytes } from './resident-memory.js';

const MIB = 1024 * 1024;

export class RecyclePolicy {
  readonly #maxRequests: number;
  readonly #maxRss: number;
  readonly #onRecycle: (kind: RecycleKind, reason: string) => void;
  #timer: NodeJS.Timeout | null = null;
  #asked = false;

  constructor(config: Pick<Config, 'maxRequests' | 'maxRequestsJitter' | 'maxWorkerMemory' | 'maxWorkerLifetime'>, onRecycle: (kind: RecycleKind, reason: string) => void) {
    this.#onRecycle = onRecycle;
    this.#maxRequests = config.maxRequests > 0 ? config.maxRequests + Math.floor(Math.random() * (config.maxRequestsJitter + 1)) : 0;
    this.#maxRss = config.maxWorkerMemory * MIB;
    if (config.maxWorkerLifetime > 0) {
      const ms = config.maxWorkerLifetime * 1000 * (1 + Math.random() * 0.1);
      this.#timer = setTimeout(() => this.#ask('lifetime', `reached its lifetime of ${config.maxWorkerLifetime} s`), ms);
      this.#timer.unref();
    }
  }

  /** The request limit this worker drew (0: none). */
  get maxRequests(): number {
    return this.#maxRequests;
  }

  /** Called after each request; `served` counts every request so far. */
  requestDone(served: number): void {
    if (this.#asked) return;
    if (this.#maxRequests > 0 && served >= this.#maxRequests) return this.#ask('max-requests', `served ${served} requests (max ${this.#maxRequests})`);
    if (this.#maxRss > 0) {
      const rss = residentBytes(0);
      if (rss > this.#maxRss) this.#ask('memory', `uses ${(rss / MIB).toFixed(0)} MiB of memory (max ${this.#maxRss / MIB} MiB)`);
    }
  }

  #ask(kind: RecycleKind, reason: string): void {
    if (this.#asked) return;
    this.#asked = true;
    this.#onRecycle(kind, reason);
  }

  stop(): void {
    if (this.#timer) clearTimeout(this.#timer);
  }
}
