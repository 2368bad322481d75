// Answers the master's stats requests from inside a worker: requests served,
// in flight, memory and event-loop delay (sampled by perf_hooks). Created by
// Worker; runs in workers.

import { monitorEventLoopDelay, type IntervalHistogram } from 'node:perf_hooks';
import type { WorkerStats } from '../ipc/messages.js';

export class StatsReporter {
  readonly #delay: IntervalHistogram;
  readonly #requests: () => { served: number; inFlight: number };

  constructor(requests: () => { served: number; inFlight: number }) {
    this.#requests = requests;
    this.#delay = monitorEventLoopDelay({ resolution: 20 });
    this.#delay.enable();
  }

  /** A report; the event-loop delay is measured since the previous one. */
  report(): WorkerStats {
    const { served, inFlight } = this.#requests();
    const mem = process.memoryUsage();
    // The histogram counts the resolution itself as delay; what is over it is lag.
    const lag = (ns: number) => (Number.isFinite(ns) ? Math.max(0, ns / 1e6 - 20) : 0);
    const stats: WorkerStats = {
      requestsServed: served,
      inFlight,
      rssBytes: mem.rss,
      heapUsedBytes: mem.heapUsed,
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
