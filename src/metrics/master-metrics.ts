// The master's Prometheus view: its own metrics (workers, target and range,
// utilisation, listen backlog, restarts by reason, reloads, heartbeat age) plus every worker's, summed with prom-client's
// aggregator, and the counters of workers that have exited. Master only.

import { AggregatorRegistry, Counter, Gauge, Registry } from 'prom-client';
import type { MetricsSnapshot } from './worker-metrics.js';

export type RestartReason = 'crash' | 'timeout' | 'max-requests' | 'memory' | 'lifetime' | 'reload' | 'scale-down';

export interface WorkerProbe {
  readonly pid: number;
  /** Seconds since the worker's last heartbeat. */
  heartbeatAge(): number;
}

/** The autoscaler's figures at scrape time (master/autoscaler.ts's view). */
export interface ScalingProbe {
  readonly target: number;
  readonly min: number;
  readonly max: number;
  /** Mean event-loop utilisation of the ready workers, 0..1. */
  readonly utilisation: number;
  readonly backlogs: readonly { readonly label: string; readonly queued: number | null }[];
}

export class MasterMetrics {
  readonly #registry = new Registry();
  readonly #restarts: Counter<'reason'>;
  readonly #reloads: Counter;
  /** Counters and histograms of workers that are gone, so sums never go backwards. */
  #retired: MetricsSnapshot = [];

  constructor(workers: () => readonly WorkerProbe[], scaling: () => ScalingProbe) {
    const registers = [this.#registry];
    new Gauge({ name: 'narwhal_workers', help: 'Worker processes alive.', registers, collect() {
      this.set(workers().length);
    } });
    scalingGauges(registers, scaling);
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

/** Gauges set from the autoscaler's view at each scrape. */
function scalingGauges(registers: Registry[], scaling: () => ScalingProbe): void {
  const gauge = (name: string, help: string, pick: (v: ScalingProbe) => number) =>
    new Gauge({ name, help, registers, collect() {
      this.set(pick(scaling()));
    } });
  gauge('narwhal_workers_target', 'The worker count the master is keeping (the autoscaler moves it within the range).', (v) => v.target);
  gauge('narwhal_workers_min', 'The least workers the autoscaler keeps.', (v) => v.min);
  gauge('narwhal_workers_max', 'The most workers the autoscaler starts.', (v) => v.max);
  gauge('narwhal_worker_utilization', 'Mean event-loop utilisation of the ready workers (0..1), from their last load reports.', (v) => v.utilisation);
  new Gauge({ name: 'narwhal_listen_backlog', help: 'Connections queued in the kernel that no worker accepted yet, per listener (TCP on Linux only).', labelNames: ['listener'], registers, collect() {
    this.reset();
    for (const b of scaling().backlogs) if (b.queued !== null) this.set({ listener: b.label }, b.queued);
  } });
}
