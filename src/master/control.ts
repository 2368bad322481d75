// What the control socket's commands do in the master: stats and dumps
// gathered from the workers, reload, scale and stop handed back to the
// arbiter's queue. Created by the arbiter; master only.

import type { CtlRequest } from '../ctl/protocol.js';
import type { WatchdogReport } from '../ipc/messages.js';
import type { ScaleRequest, ScaleResult, ScalingView } from './autoscaler.js';
import { reportLines } from './stack-report.js';
import type { WorkerHandle } from './worker-handle.js';

export interface ControlHost {
  workers(): readonly WorkerHandle[];
  target(): number;
  /** The autoscaler's view: range, target, utilisation, backlog, memory, last change. */
  scaling(): ScalingView;
  reload(): void;
  /** Moves the range or pins the count, in the master's queue; rejects a request it cannot apply. */
  scale(request: ScaleRequest): Promise<ScaleResult>;
  stop(): void;
}

const STATS_DEADLINE_MS = 1000;
const DUMP_DEADLINE_MS = 2500;
const mib = (bytes: number) => Math.round((bytes / 1024 / 1024) * 10) / 10;

async function stats(host: ControlHost): Promise<unknown> {
  const now = Date.now();
  const view = host.scaling();
  const workers = await Promise.all(
    host.workers().map(async (w) => {
      const s = await w.queryStats(STATS_DEADLINE_MS);
      const load = view.loads.get(w.pid);
      const base = {
        pid: w.pid,
        generation: w.generation,
        state: w.recycle ? 'recycling' : w.state,
        ageSeconds: Math.round((now - w.bornAt) / 100) / 10,
        ...(load ? { utilisation: load.utilisation, connections: load.connections } : {}),
      };
      if (!s) return { ...base, responsive: false };
      return {
        ...base,
        responsive: true,
        requestsServed: s.requestsServed,
        inFlight: s.inFlight,
        rssMiB: mib(s.rssBytes),
        heapUsedMiB: mib(s.heapUsedBytes),
        loopLagMeanMs: s.loopLagMeanMs,
        loopLagMaxMs: s.loopLagMaxMs,
      };
    }),
  );
  return { master: { pid: process.pid, targetWorkers: host.target(), scaling: scalingStats(view) }, workers };
}

function scalingStats(v: ScalingView): unknown {
  return {
    autoscaling: v.autoscaling,
    minWorkers: v.min,
    maxWorkers: v.max,
    targetWorkers: v.target,
    readyWorkers: v.ready,
    utilisation: v.utilisation,
    backlog: v.backlogs.map((b) => ({ listener: b.label, queued: b.queued, limit: b.limit })),
    fleetRssMiB: mib(v.fleetRssBytes),
    changes: v.changes,
    lastChange: v.lastChange ? { at: new Date(v.lastChange.at).toISOString(), reason: v.lastChange.reason } : null,
  };
}

async function dump(host: ControlHost): Promise<unknown> {
  const workers = await Promise.all(
    host.workers().map(async (w) => {
      const report: WatchdogReport | null = await w.watchdog.capture('dump', DUMP_DEADLINE_MS);
      return { pid: w.pid, generation: w.generation, state: w.state, report, text: [`Worker ${w.pid} (generation ${w.generation}, ${w.state}):`, ...reportLines(report)].join('\n') };
    }),
  );
  return { workers };
}

/** `N` pins the count, `+N`/`-N` move the range (the count alone without autoscaling), `MIN..MAX` sets the range. */
export function parseScale(spec: string, current: { target: number; max: number; autoscaling: boolean }): ScaleRequest {
  const range = /^(\d+)\.\.(\d+)$/.exec(spec);
  if (range) {
    const [min, max] = [Number(range[1]), Number(range[2])];
    if (min < 1 || max < min) throw new Error(`scale ${spec}: the range needs 1 <= MIN <= MAX`);
    return { kind: 'range', min, max };
  }
  const m = /^([+-]?)(\d+)$/.exec(spec);
  if (!m) throw new Error(`scale takes N, +N or -N, or MIN..MAX with --max-workers (got ${JSON.stringify(spec)})`);
  const n = Number(m[2]);
  if (!m[1]) {
    if (n < 1) throw new Error(`cannot scale to ${n} workers: at least 1 is needed`);
    return { kind: 'pin', n };
  }
  const by = m[1] === '+' ? n : -n;
  // A range's minimum stops at 1 while its maximum moves on.
  const base = current.autoscaling ? current.max : current.target;
  if (base + by < 1) throw new Error(`cannot scale to ${base + by} workers: at least 1 is needed`);
  return { kind: 'shift', by };
}

function scale(host: ControlHost, args: readonly string[]): Promise<ScaleResult> {
  const v = host.scaling();
  return host.scale(parseScale(args[0] ?? '', { target: host.target(), max: v.max, autoscaling: v.autoscaling }));
}

export function controlHandler(host: ControlHost): (request: CtlRequest) => Promise<unknown> {
  return async (request) => {
    switch (request.command) {
      case 'stats':
        return stats(host);
      case 'dump':
        return dump(host);
      case 'reload':
        host.reload();
        return { reloading: true };
      case 'scale':
        return scale(host, request.args);
      case 'stop':
        // Answer first: the stop closes this socket.
        setImmediate(() => host.stop());
        return { stopping: true };
    }
  };
}
