// The master's autoscaler: keeps each worker's latest load report, reads the
// listen backlog, and every --scale-interval asks scale-plan.ts whether to
// change the target count (logging each change with its reason) and which
// saturated workers should shed connections. It also moves the range for
// TTIN, TTOU and `narwhal ctl scale`. Created by the arbiter; master only.

import type { Config } from '../config/settings.js';
import type { LoadSample } from '../ipc/messages.js';
import type { Logger } from '../log/logger.js';
import type { Statsd } from '../metrics/statsd.js';
import { readBacklogs, type Backlog } from '../os/listen-queue.js';
import { FRESH_MEMORY, planScale, planShedding, type ScaleMemory, type ScaleSettings } from './scale-plan.js';
import type { WorkerHandle } from './worker-handle.js';

/** TTIN/TTOU shift the range by one; `ctl scale N` pins it; `ctl scale MIN..MAX` sets it. */
export type ScaleRequest = { readonly kind: 'pin'; readonly n: number } | { readonly kind: 'shift'; readonly by: number } | { readonly kind: 'range'; readonly min: number; readonly max: number };

/** What `narwhal ctl scale` answers: the target before and after, and the range when autoscaling. */
export interface ScaleResult {
  readonly from: number;
  readonly to: number;
  readonly min?: number;
  readonly max?: number;
}

export interface ScalingView {
  readonly autoscaling: boolean;
  readonly min: number;
  readonly max: number;
  readonly target: number;
  /** Ready workers, the ones the decisions count. */
  readonly ready: number;
  /** Mean event-loop utilisation of the ready workers, 0..1. */
  readonly utilisation: number;
  readonly backlogs: readonly Backlog[];
  readonly fleetRssBytes: number;
  readonly lastChange: { readonly at: number; readonly reason: string } | null;
  readonly changes: number;
  /** Each live worker's latest load report, by pid. */
  readonly loads: ReadonlyMap<number, LoadSample>;
}

/** A worker that has not reported for this many intervals is counted as busy: its loop may be blocked. */
const SILENT_INTERVALS = 4;
const SHED_WITHIN_MS = 5000;

export class Autoscaler {
  readonly #logger: Logger;
  readonly #listeners: () => readonly { readonly fd: number; readonly label: string }[];
  readonly #statsd: () => Statsd | null;
  readonly #loads = new Map<number, { readonly load: LoadSample; readonly at: number }>();
  readonly #shedAt = new Map<number, number>();
  #settings!: ScaleSettings;
  #intervalMs = 500;
  #backlog = 2048;
  #enabled = false;
  #memory: ScaleMemory = FRESH_MEMORY;
  #backlogs: Backlog[] = [];
  #lastRun = 0;
  #lastChange: { at: number; reason: string } | null = null;
  #changes = 0;

  constructor(logger: Logger, listeners: () => readonly { readonly fd: number; readonly label: string }[], statsd: () => Statsd | null) {
    this.#logger = logger;
    this.#listeners = listeners;
    this.#statsd = statsd;
  }

  /** At start and on each reload: the range from the settings; returns `target` brought into it. */
  configure(config: Config, target: number): number {
    this.#enabled = config.maxWorkers > 0;
    const min = config.workers;
    this.#settings = {
      min,
      max: this.#enabled ? config.maxWorkers : min,
      upBusy: config.scaleUpBusy / 100,
      downBusy: config.scaleDownBusy / 100,
      upAfterMs: config.scaleUpAfter * 1000,
      downAfterMs: config.scaleDownAfter * 1000,
      step: config.scaleStep,
      memoryCeilingBytes: config.maxFleetMemory * 1024 * 1024,
    };
    this.#intervalMs = config.scaleInterval * 1000;
    this.#backlog = config.backlog;
    this.#memory = FRESH_MEMORY;
    return this.#enabled ? Math.min(this.#settings.max, Math.max(min, target)) : min;
  }

  received(pid: number, load: LoadSample): void {
    this.#loads.set(pid, { load, at: Date.now() });
  }

  forget(pid: number): void {
    this.#loads.delete(pid);
    this.#shedAt.delete(pid);
  }

  /**
   * Every master tick; runs once per --scale-interval. Returns the new target,
   * or null to keep it; `paused` (a reload, stop or upgrade under way) reads
   * and reports the figures but decides nothing.
   */
  tick(now: number, workers: Iterable<WorkerHandle>, target: number, paused = false): number | null {
    if (now - this.#lastRun < this.#intervalMs) return null;
    this.#lastRun = now;
    const all = [...workers];
    this.#backlogs = readBacklogs(this.#listeners(), this.#backlog);
    const ready = all.filter((w) => w.state === 'ready');
    const inputs = {
      now,
      target,
      utilisation: ready.map((w) => this.#utilisation(w.pid, now)),
      booting: all.filter((w) => w.state === 'booting').length,
      retiring: all.filter((w) => w.state === 'retiring').length,
      backlog: this.#backlogs.reduce((a, b) => a + (b.queued ?? 0), 0),
      fleetRssBytes: this.#fleetRss(all),
    };
    this.#report(target, inputs.utilisation);
    if (!this.#enabled || paused) return null;
    this.#shed(ready, inputs.utilisation, now);
    const { decision, memory } = planScale(inputs, this.#settings, this.#memory);
    this.#memory = memory;
    if (decision.action === 'none') return null;
    if (decision.action === 'hold') {
      this.#logger.warning(`Autoscaling holds at ${target} worker${target === 1 ? '' : 's'}: ${decision.reason}`);
      return null;
    }
    const line = `Autoscaling ${decision.action} to ${decision.target} worker${decision.target === 1 ? '' : 's'}: ${decision.reason}`;
    this.#logger.info(line);
    this.#changed(now, line);
    return decision.target;
  }

  #changed(now: number, line: string): void {
    this.#lastChange = { at: now, reason: line };
    this.#changes++;
    this.#memory = FRESH_MEMORY;
  }

  #utilisation(pid: number, now: number): number {
    const seen = this.#loads.get(pid);
    if (!seen) return 0;
    return now - seen.at > SILENT_INTERVALS * this.#intervalMs ? 1 : seen.load.utilisation;
  }

  #fleetRss(workers: readonly WorkerHandle[]): number {
    return workers.reduce((sum, w) => sum + (this.#loads.get(w.pid)?.load.rssBytes ?? 0), 0);
  }

  /** Saturated workers pinned to more than their share of connections let some go. */
  #shed(ready: readonly WorkerHandle[], utilisation: readonly number[], now: number): void {
    const inputs = ready.map((worker, i) => ({ worker, utilisation: utilisation[i]!, connections: this.#loads.get(worker.pid)?.load.connections ?? 0, shedAt: this.#shedAt.get(worker.pid) ?? 0 }));
    for (const { worker, connections } of planShedding(inputs, this.#settings.upBusy, now, SHED_WITHIN_MS)) {
      this.#shedAt.set(worker.pid, now);
      this.#logger.debug(`Worker ${worker.pid} is saturated: asking it to shed ${connections} kept-alive connection${connections === 1 ? '' : 's'}`);
      worker.channel.send({ type: 'shed', connections, withinMs: SHED_WITHIN_MS });
    }
  }

  /** statsd gauges, once a run: the target, mean utilisation (percent) and backlog. */
  #report(target: number, utilisation: readonly number[]): void {
    const statsd = this.#statsd();
    if (!statsd) return;
    statsd.gauge('workers.target', target);
    statsd.gauge('utilisation', Math.round(mean(utilisation) * 100));
    statsd.gauge('backlog', this.#backlogs.reduce((a, b) => a + (b.queued ?? 0), 0));
  }

  /** TTIN, TTOU, `narwhal ctl scale`: moves the range (or pins the count), logs it, and answers with the new target (throws for a bad request). */
  rescale(request: ScaleRequest, target: number, now = Date.now()): ScaleResult {
    const s = this.#settings;
    if (!this.#enabled) {
      if (request.kind === 'range') throw new Error('a range needs autoscaling: start with --max-workers');
      const n = request.kind === 'pin' ? request.n : Math.max(1, target + request.by);
      this.#settings = { ...s, min: n, max: n };
      this.#logger.info(`Scaling to ${n} worker${n === 1 ? '' : 's'}`);
      return { from: target, to: n };
    }
    let min: number;
    let max: number;
    if (request.kind === 'pin') [min, max] = [request.n, request.n];
    else if (request.kind === 'range') [min, max] = [request.min, request.max];
    else [min, max] = [Math.max(1, s.min + request.by), Math.max(1, s.max + request.by)];
    this.#settings = { ...s, min, max };
    const to = Math.min(max, Math.max(min, request.kind === 'shift' ? target + request.by : target));
    const what = min === max ? `pinned at ${min}` : `range ${min}..${max}`;
    const line = `Scaling: ${what} worker${max === 1 ? '' : 's'} (was ${s.min}..${s.max}); target ${to}`;
    this.#logger.info(line);
    this.#changed(now, line);
    return { from: target, to, min, max };
  }

  view(workers: Iterable<WorkerHandle>, target: number, now = Date.now()): ScalingView {
    const all = [...workers];
    const ready = all.filter((w) => w.state === 'ready');
    return {
      autoscaling: this.#enabled,
      min: this.#settings.min,
      max: this.#settings.max,
      target,
      ready: ready.length,
      utilisation: Math.round(mean(ready.map((w) => this.#utilisation(w.pid, now))) * 1000) / 1000,
      backlogs: this.#backlogs,
      fleetRssBytes: this.#fleetRss(all),
      lastChange: this.#lastChange,
      changes: this.#changes,
      loads: new Map([...this.#loads].map(([pid, seen]) => [pid, seen.load])),
    };
  }
}

const mean = (xs: readonly number[]) => (xs.length === 0 ? 0 : xs.reduce((a, b) => a + b, 0) / xs.length);
