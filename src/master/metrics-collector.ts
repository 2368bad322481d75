// Asks workers for their metrics at each scrape and remembers each worker's
// latest answer, so the counts of a worker that exits are not lost. Master only.

import { Replies } from '../ipc/replies.js';
import type { MetricsSnapshot } from '../metrics/worker-metrics.js';
import type { WorkerHandle } from './worker-handle.js';

const REPLY_TIMEOUT_MS = 1000;

export class MetricsCollector {
  readonly #latest = new Map<number, MetricsSnapshot>();
  readonly #replies = new Replies<MetricsSnapshot>();

  /** A worker's `metrics` message: a reply to a request, or its last word. */
  received(pid: number, id: number | null, snapshot: MetricsSnapshot): void {
    this.#latest.set(pid, snapshot);
    if (id !== null) this.#replies.settle(id, snapshot);
  }

  /** Fresh snapshots from the given workers; one that does not answer in time counts with its last. */
  async collect(workers: readonly WorkerHandle[]): Promise<MetricsSnapshot[]> {
    const answers = await Promise.all(
      workers.map(async (w) => (await this.#replies.ask((id) => w.channel.send({ type: 'metrics-request', id }), REPLY_TIMEOUT_MS)) ?? this.#latest.get(w.pid) ?? null),
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
