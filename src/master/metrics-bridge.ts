// The master's side of --metrics-bind: the endpoint, the scrape of every
// worker, and the counts kept when workers go. Created by the arbiter when the
// setting is on. Master only.

import type { Logger } from '../log/logger.js';
import { MetricsEndpoint } from '../metrics/endpoint.js';
import { MasterMetrics, type ScalingProbe } from '../metrics/master-metrics.js';
import type { MetricsSnapshot } from '../metrics/worker-metrics.js';
import { MetricsCollector } from './metrics-collector.js';
import type { WorkerHandle } from './worker-handle.js';

export class MetricsBridge {
  readonly #master: MasterMetrics;
  readonly #collector: MetricsCollector;
  readonly #endpoint: MetricsEndpoint;

  private constructor(master: MasterMetrics, collector: MetricsCollector, endpoint: MetricsEndpoint) {
    this.#master = master;
    this.#collector = collector;
    this.#endpoint = endpoint;
  }

  /** Serves /metrics on `bind`; `workers` lists the live workers at each scrape, `scaling` the autoscaler's figures. */
  static async start(bind: string, workers: () => WorkerHandle[], scaling: () => ScalingProbe, logger: Logger): Promise<MetricsBridge> {
    const master = new MasterMetrics(() => workers().map((w) => ({ pid: w.pid, heartbeatAge: () => w.silentFor() / 1000 })), scaling);
    const collector = new MetricsCollector();
    const render = async () => master.render(await collector.collect(workers().filter((w) => w.state !== 'booting')));
    const { endpoint, label } = await MetricsEndpoint.start(bind, render, (err) => logger.exception('Metrics scrape failed', err));
    logger.info(`Metrics at: ${label}`);
    return new MetricsBridge(master, collector, endpoint);
  }

  /** A worker's `metrics` message. */
  received(pid: number, id: number | null, snapshot: MetricsSnapshot): void {
    this.#collector.received(pid, id, snapshot);
  }

  /** Counts why a worker went (unless the master is stopping), and keeps what it had counted. */
  workerExited(worker: WorkerHandle, stopping: boolean): void {
    const last = this.#collector.forget(worker.pid);
    if (last) void this.#master.retire(last);
    if (stopping || worker.retiredFor === 'stop') return;
    const reason = worker.killedFor === 'timeout' ? 'timeout' : (worker.retiredFor ?? 'crash');
    if (worker.state !== 'booting' || worker.killedFor === 'timeout') this.#master.restarted(reason);
  }

  reloaded(): void {
    this.#master.reloaded();
  }

  close(): void {
    this.#endpoint.close();
  }
}
