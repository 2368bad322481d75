// Answers the master's stats requests from inside a worker (requests served,
// in flight, memory, event-loop delay) and samples the load the autoscaler
// reads. Created by Worker; runs in workers.

import { monitorEventLoopDelay, performance, type EventLoopUtilization, type IntervalHistogram } from 'node:perf_hooks';
import { getHeapStatistics } from 'node:v8';
import type { LoadSample, WorkerStats } from '../ipc/messages.js';
import { residentBytes } from './resident-memory.js';

export class StatsReporter {
  readonly #delay: IntervalHistogram;
  #rss = 0;
  readonly #requests: () => { served: number; inFlight: number };

  constructor(requests: () => { served: number; inFlight: number }) {
    this.#requests = requests;
    this.#delay = monitorEventLoopDelay({ resolution: 20 });
    this.#delay.enable();
  }

  /** A report; the event-loop delay is measured since the previous one. */
  report(): WorkerStats {
    const { served, inFlight } = this.#requests();
    const rss = (this.#rss = residentBytes(this.#rss));
    // The histogram counts the resolution itself as delay; what is over it is lag.
    const lag = (ns: number) => (Number.isFinite(ns) ? Math.max(0, ns / 1e6 - 20) : 0);
    const stats: WorkerStats = {
      requestsServed: served,
      inFlight,
      rssBytes: rss,
      // V8's own count needs no file descriptor, unlike process.memoryUsage().
      heapUsedBytes: getHeapStatistics().used_heap_size,
      loopLagMeanMs: Math.round(lag(this.#delay.mean) * 100) / 100,
      loopLagMaxMs: Math.round(lag(this.#delay.max) * 100) / 100,
    };
    this.#delay.reset();
    return stats;
  }

  stop(): void {
    this.#delay.disable();
  }
}

/**
 * The load the autoscaler reads: event-loop utilisation since the previous
 * sample (perf_hooks' ELU, the busy share of wall time), requests in flight,
 * open connections and RSS. Created by Worker when autoscaling is on.
 */
export class LoadSampler {
  readonly #server: () => { inFlight: number; connections: number };
  #last: EventLoopUtilization = performance.eventLoopUtilization();
  #rss = 0;

  constructor(server: () => { inFlight: number; connections: number }) {
    this.#server = server;
  }

  sample(): LoadSample {
    const now = performance.eventLoopUtilization();
    const utilisation = performance.eventLoopUtilization(now, this.#last).utilization;
    this.#last = now;
    const { inFlight, connections } = this.#server();
    return { utilisation: Math.round(utilisation * 1000) / 1000, inFlight, connections, rssBytes: (this.#rss = residentBytes(this.#rss)) };
  }
}
