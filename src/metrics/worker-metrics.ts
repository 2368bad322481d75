// A worker's own Prometheus metrics, kept with prom-client and sent to the
// master on request, where they are summed across workers. Created by the
// worker; fed by the HTTP layer as an access sink.

import { monitorEventLoopDelay, type IntervalHistogram } from 'node:perf_hooks';
import { Counter, Gauge, Histogram, Registry, type MetricObjectWithValues, type MetricValue } from 'prom-client';
import type { AccessRecord, AccessSink } from '../log/access-log.js';

export type MetricsSnapshot = MetricObjectWithValues<MetricValue<string>>[];

const METHODS = new Set(['GET', 'HEAD', 'POST', 'PUT', 'DELETE', 'PATCH', 'OPTIONS']);
/** Seconds; from 1 ms to 30 s, where web request latencies live. */
const BUCKETS = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30];

export class WorkerMetrics implements AccessSink {
  readonly #registry = new Registry();
  readonly #requests: Counter<'method' | 'status'>;
  readonly #duration: Histogram<'method'>;
  readonly #bytes: Counter;
  readonly #loop: IntervalHistogram;

  /** `inFlight` reads the server's count of requests being served, at scrape time. */
  constructor(inFlight: () => number) {
    const registers = [this.#registry];
    this.#requests = new Counter({ name: 'narwhal_http_requests_total', help: 'Requests answered, by method and status code.', labelNames: ['method', 'status'], registers });
    this.#duration = new Histogram({ name: 'narwhal_http_request_duration_seconds', help: 'Time from the request head to the end of the response.', labelNames: ['method'], buckets: BUCKETS, registers });
    this.#bytes = new Counter({ name: 'narwhal_http_response_body_bytes_total', help: 'Response body bytes sent.', registers });
    new Gauge({ name: 'narwhal_http_requests_in_flight', help: 'Requests being served now.', registers, collect() {
      this.set(inFlight());
    } });
    this.#loop = monitorEventLoopDelay({ resolution: 20 });
    this.#loop.enable();
    const loop = this.#loop;
    new Gauge({ name: 'narwhal_worker_event_loop_lag_seconds', help: 'Mean event-loop delay of each worker since the last scrape.', labelNames: ['pid'], registers, collect() {
      this.set({ pid: String(process.pid) }, Number.isNaN(loop.mean) ? 0 : loop.mean / 1e9);
      loop.reset();
    } });
  }

  write(r: AccessRecord): void {
    const method = METHODS.has(r.method) ? r.method : 'other';
    this.#requests.inc({ method, status: String(r.status) });
    this.#duration.observe({ method }, Number(r.durationNs) / 1e9);
    this.#bytes.inc(r.bodyBytes);
  }

  snapshot(): Promise<MetricsSnapshot> {
    return this.#registry.getMetricsAsJSON() as Promise<MetricsSnapshot>;
  }

  close(): void {
    this.#loop.disable();
  }
}
