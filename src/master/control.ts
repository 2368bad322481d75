// What the control socket's commands do in the master: stats and dumps
// gathered from the workers, reload, scale and stop handed back to the
// arbiter's queue. Created by the arbiter; master only.

import type { CtlRequest } from '../ctl/protocol.js';
import type { WatchdogReport } from '../ipc/messages.js';
import { reportLines } from './stack-report.js';
import type { WorkerHandle } from './worker-handle.js';

export interface ControlHost {
  workers(): readonly WorkerHandle[];
  target(): number;
  reload(): void;
  /** Sets the number of workers; returns it as applied. */
  scale(target: number): number;
  stop(): void;
}

const STATS_DEADLINE_MS = 1000;
const DUMP_DEADLINE_MS = 2500;
const mib = (bytes: number) => Math.round((bytes / 1024 / 1024) * 10) / 10;

async function stats(host: ControlHost): Promise<unknown> {
  const now = Date.now();
  const workers = await Promise.all(
    host.workers().map(async (w) => {
      const s = await w.queryStats(STATS_DEADLINE_MS);
      const base = { pid: w.pid, generation: w.generation, state: w.recycle ? 'recycling' : w.state, ageSeconds: Math.round((now - w.bornAt) / 100) / 10 };
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
  return { master: { pid: process.pid, targetWorkers: host.target() }, workers };
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

function scale(host: ControlHost, args: readonly string[]): unknown {
  const spec = args[0] ?? '';
  const m = /^([+-]?)(\d+)$/.exec(spec);
  if (!m) throw new Error(`scale takes N, +N or -N (got ${JSON.stringify(spec)})`);
  const n = Number(m[2]);
  const current = host.target();
  const wanted = m[1] === '+' ? current + n : m[1] === '-' ? current - n : n;
  if (wanted < 1) throw new Error(`cannot scale to ${wanted} workers: at least 1 is needed`);
  return { from: current, to: host.scale(wanted) };
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
