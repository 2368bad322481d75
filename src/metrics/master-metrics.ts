// The master's Prometheus view: its own metrics (workers, restarts by reason,
// reloads, heartbeat age) plus every worker's, summed with prom-client's
// aggregator, and the counters of workers that have exited. Master only.

import { AggregatorRegistry, Counter, Gauge, Registry } from 'prom-client';
import type { MetricsSnapshot } from './worker-metrics.js';

export type RestartReason = 'crash' | 'timeout' | 'max-requests' | 'memory' | 'lifetime' | 'reload' | 'scale-down';

export interface WorkerProbe {
  readonly pid: number;
  /** Seconds since the worker's last heartbeat. */
  heartbeatAge(): number;
}

export class MasterMetrics {
  readonly #registry = new Registry();
  readonly #restarts: Counter<'reason'>;
  readonly #reloads: Counter;
  /** Counters and histograms of workers that are gone, so sums never go backwards. */
  #retired: MetricsSnapshot = [];

  constructor(workers: () => readonly WorkerProbe[]) {
    const registers = [this.#registry];
    new Gauge({ name: 'narwhal_workers', help: 'Worker processes alive.', registers, collect() {
      this.set(workers().length);
    } });
    new Gauge({ name: 'narwhal_worker_heartbeat_age_seconds', help: 'Seconds since each worker last touched its heartbeat file.', labelNames: ['pid'], registers, collect() {
      this.reset();
      for (const w of workers()) this.set({ pid: String(w.pid) }, w.heartbeatAge());
    } });
    this.#restarts = new Counter({ name: 'narwhal_worker_restarts_total', help: 'Workers replaced, by reason.', labelNames: ['reason'], registers });
    this.#reloads = new Counter({ name: 'narwhal_reloads_total', help: 'Reloads begun (HUP or the dev server).', registers });
  }

  restarted(reason: RestartReason): void {
    this.#restarts.inc({ reason });
  }

  reloaded(): void {
    this.#reloads.inc();
  }

  /** Keeps what an exited worker counted; its gauges died with it. */
  async retire(last: MetricsSnapshot): Promise<void> {
    const lasting = last.filter((m) => String(m.type) !== 'gauge');
    this.#retired = (await AggregatorRegistry.aggregate([this.#retired, lasting]).getMetricsAsJSON()) as MetricsSnapshot;
  }

  /** The exposition text: master metrics plus the sum of the workers' snapshots. */
  async render(snapshots: readonly MetricsSnapshot[]): Promise<{ contentType: string; body: string }> {
    const own = (await this.#registry.getMetricsAsJSON()) as MetricsSnapshot;
    const all = AggregatorRegistry.aggregate([own, this.#retired, ...snapshots]);
    return { contentType: all.contentType, body: await all.metrics() };
  }
}
