import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { WatchdogReport } from '../../../src/ipc/messages.js';
import { killOverdueWorkers, killStuckWorkers, overdueWorkers, STACK_DEADLINE_MS, stuckWorkers, type Reapable } from '../../../src/master/reaper.js';

const REPORT: WatchdogReport = { type: 'stack', id: 1, blocked: true, loopLagMs: 1500, frames: ['at spin (/app.ts:10:3)'], current: { method: 'GET', path: '/spin', startedAt: 0 }, inFlight: [] };

type Fake = Reapable & { killedFor: string | null };

/** A worker record that logs what the reaper does to it into `events`. */
function worker(events: string[], pid: number, init: { silentMs?: number; killAt?: number | null; killedFor?: string | null; report?: WatchdogReport | null } = {}): Fake {
  return {
    pid,
    killedFor: init.killedFor ?? null,
    get killed() {
      return this.killedFor !== null;
    },
    timingOut: false,
    killAt: init.killAt ?? null,
    watchdog: {
      capture: async (reason, timeoutMs) => {
        events.push(`capture ${pid} ${reason} ${timeoutMs}`);
        return init.report === undefined ? REPORT : init.report;
      },
    },
    silentFor: () => init.silentMs ?? 0,
    kill(reason) {
      this.killedFor = reason;
      events.push(`kill ${pid} ${reason}`);
    },
  };
}

test('stuck means silent for longer than --timeout; 0 turns the check off', () => {
  const ev: string[] = [];
  const quiet = worker(ev, 1, { silentMs: 900 });
  const atLimit = worker(ev, 2, { silentMs: 1000 });
  const stuck = worker(ev, 3, { silentMs: 1001 });
  assert.deepEqual(stuckWorkers([quiet, atLimit, stuck], 1, 0), [{ worker: stuck, silentMs: 1001 }]);
  assert.deepEqual(stuckWorkers([stuck], 0, 0), []);
});

test('workers already killed or being reported are not stuck again', () => {
  const ev: string[] = [];
  const killed = worker(ev, 1, { silentMs: 5000, killedFor: 'overdue' });
  const reporting = worker(ev, 2, { silentMs: 5000 });
  reporting.timingOut = true;
  assert.deepEqual(stuckWorkers([killed, reporting], 1, 0), []);
});

test('a stuck worker is marked at once, its stack logged, then it is killed', async () => {
  const ev: string[] = [];
  const w = worker(ev, 42, { silentMs: 1500 });
  const logger = { critical: (m: string) => ev.push(`critical ${m}`) };
  const done = killStuckWorkers([w], 1, logger, 0);
  assert.equal(w.timingOut, true, 'marked before the watchdog answers');
  await killStuckWorkers([w], 1, logger, 0);
  await done;
  assert.equal(ev.length, 3, `asked once only: ${ev.join(' | ')}`);
  assert.equal(ev[0], `capture 42 timeout ${STACK_DEADLINE_MS}`);
  assert.match(ev[1]!, /^critical WORKER TIMEOUT \(pid:42\): event loop blocked, no heartbeat for 1\.5 s \(timeout 1 s\)\n {2}while serving GET \/spin/);
  assert.match(ev[1]!, /at spin \(\/app\.ts:10:3\)/);
  assert.equal(ev[2], 'kill 42 timeout');
});

test('a stuck worker whose watchdog does not answer is still killed', async () => {
  const ev: string[] = [];
  await killStuckWorkers([worker(ev, 7, { silentMs: 3000, report: null })], 2, { critical: (m: string) => ev.push(m) }, 0);
  assert.match(ev[1]!, /WORKER TIMEOUT \(pid:7\)[^\n]*\n {2}\(the watchdog did not answer/);
  assert.equal(ev[2], 'kill 7 timeout');
});

test('a retiring worker past its deadline is killed with a warning, once', () => {
  const ev: string[] = [];
  const early = worker(ev, 1, { killAt: 1001 });
  const due = worker(ev, 2, { killAt: 1000 });
  const serving = worker(ev, 3, { killAt: null });
  const gone = worker(ev, 4, { killAt: 500, killedFor: 'timeout' });
  assert.deepEqual(overdueWorkers([early, due, serving, gone], 1000), [due]);
  const logger = { warning: (m: string) => ev.push(`warning ${m}`) };
  killOverdueWorkers([early, due, serving, gone], logger, 1000);
  killOverdueWorkers([early, due, serving, gone], logger, 1000);
  assert.deepEqual(ev, ['warning Worker (pid:2) did not stop within the graceful timeout; killing it', 'kill 2 overdue']);
});
