import { test } from 'node:test';
import assert from 'node:assert/strict';
import { reportLines, timeoutMessage } from '../../../src/master/stack-report.js';
import type { WatchdogReport } from '../../../src/ipc/messages.js';

const base: WatchdogReport = { type: 'stack', id: 1, blocked: true, loopLagMs: 1500, frames: null, current: null, inFlight: [] };

test('a timeout names the request being run, its age and the stack', () => {
  const now = 10_000;
  const current = { method: 'GET', path: '/spin', startedAt: 8_500 };
  const text = reportLines({ ...base, current, inFlight: [current, { method: 'POST', path: '/x', startedAt: 9_000 }], frames: ['at spin (/app.ts:10:3)'] }, now).join('\n');
  assert.match(text, /while serving GET \/spin \(running for 1\.5 s\)/);
  assert.match(text, /other requests in flight: POST \/x \(running for 1\.0 s\)/);
  assert.match(text, /JavaScript stack:\n {4}at spin \(\/app\.ts:10:3\)/);
});

test('an idle worker and a silent watchdog are told apart', () => {
  assert.match(reportLines({ ...base, blocked: false, loopLagMs: 12 }).join('\n'), /no request in flight\n {2}event loop idle \(last turned 12 ms ago\)/);
  assert.match(reportLines(null).join('\n'), /the watchdog did not answer/);
  assert.match(reportLines({ ...base, error: 'the JavaScript thread did not pause' }).join('\n'), /no stack: the JavaScript thread did not pause/);
});

test('the first line carries pid, silence and the timeout', () => {
  assert.match(timeoutMessage(42, 2100, 2, null), /^WORKER TIMEOUT \(pid:42\): event loop blocked, no heartbeat for 2\.1 s \(timeout 2 s\)\n/);
});
