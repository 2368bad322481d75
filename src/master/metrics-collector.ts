// Asks workers for their metrics at each scrape and remembers each worker's
// latest answer, so the counts of a worker that exits are not lost. Master only.

import type { MetricsSnapshot } from '../metrics/worker-metrics.js';
import type { WorkerHandle } from './worker-handle.js';

const REPLY_TIMEOUT_MS = 1000;

export class MetricsCollector {
  readonly #latest = new Map<number, MetricsSnapshot>();
  readonly #pending = new Map<number, (snapshot: MetricsSnapshot | null) => void>();
  #nextId = 1;

  /** A worker's `metrics` message: a reply to a request, or its last word. */
  received(pid: number, id: number | null, snapshot: MetricsSnapshot): void {
    this.#latest.set(pid, snapshot);
    if (id !== null) this.#pending.get(id)?.(snapshot);
  }

  /** Fresh snapshots from the given workers; one that does not answer in time counts with its last. */
  async collect(workers: readonly WorkerHandle[]): Promise<MetricsSnapshot[]> {
    const answers = await Promise.all(
      workers.map(
        (w) =>
          new Promise<MetricsSnapshot | null>((resolve) => {
            const id = this.#nextId++;
            const timer = setTimeout(() => done(this.#latest.get(w.pid) ?? null), REPLY_TIMEOUT_MS);
            const done = (s: MetricsSnapshot | null) => {
              clearTimeout(timer);
              this.#pending.delete(id);
              resolve(s);
            };
            this.#pending.set(id, done);
            w.channel.send({ type: 'metrics-request', id });
          }),
      ),
    );
    return answers.filter((s): s is MetricsSnapshot => s !== null);
  }

  /** The last snapshot of a worker that has exited, and forget it. */
  forget(pid: number): MetricsSnapshot | undefined {
    const last = this.#latest.get(pid);
    this.#latest.delete(pid);
    return last;
  }
}
