import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { Config } from '../../../src/config/settings.js';
import type { ServerView, WorkerView } from '../../../src/hooks/types.js';
import { LogSink, Logger, type Level } from '../../../src/log/logger.js';
import { MasterHooks, serverView, type MasterState } from '../../../src/master/master-hooks.js';

/** A logger whose lines land in `lines` (and a temp file, removed after the test). */
function logger(t: { after: (fn: () => void) => void }): { logger: Logger; lines: [Level, string][] } {
  const dir = mkdtempSync(path.join(tmpdir(), 'master-hooks-'));
  const sink = new LogSink(path.join(dir, 'error.log'), 2);
  t.after(() => (sink.close(), rmSync(dir, { recursive: true, force: true })));
  const lines: [Level, string][] = [];
  return { logger: new Logger(sink, 'debug', [(level, message) => lines.push([level, message])]), lines };
}

const config = (hooks: Partial<Record<string, unknown>>): Config => ({ workers: 2, ...hooks }) as unknown as Config;

test('the view is a copy of the master taken at the call', (t) => {
  const { logger: log, lines } = logger(t);
  const workers = [{ id: 1, pid: 100, generation: 1, extra: 'not for hooks' }];
  const view = serverView({ config: config({}), target: 3, workers }, log);
  assert.equal(view.pid, process.pid);
  assert.equal(view.workerCount, 3);
  assert.deepEqual(view.workers, [{ id: 1, pid: 100, generation: 1 }]);
  workers.push({ id: 2, pid: 101, generation: 1, extra: '' });
  assert.equal(view.workers.length, 1);
  view.log('from a hook');
  view.log('careful', 'warning');
  assert.deepEqual(lines, [['info', 'from a hook'], ['warning', 'careful']]);
});

test('hooks are read from the config of the moment, and awaited', async (t) => {
  const { logger: log } = logger(t);
  const seen: string[] = [];
  let release!: () => void;
  let state: MasterState = { config: config({ onReload: () => seen.push('old') }), target: 1, workers: [] };
  const hooks = new MasterHooks(log, () => state);
  state = {
    config: config({ onReload: (s: ServerView) => new Promise<void>((r) => (release = () => (seen.push(`new ${s.workerCount}`), r()))) }),
    target: 4,
    workers: [],
  };
  let settled = false;
  const call = hooks.call('onReload').then(() => (settled = true));
  await new Promise((r) => setImmediate(r));
  assert.equal(settled, false, 'waits for the hook');
  release();
  await call;
  assert.deepEqual(seen, ['new 4']);
  await hooks.call('onExit');
});

test('a hook that throws is logged with its stack and does not reject', async (t) => {
  const { logger: log, lines } = logger(t);
  const hooks = new MasterHooks(log, () => ({ config: config({ whenReady: () => { throw new Error('on purpose'); } }), target: 1, workers: [] }));
  await hooks.call('whenReady');
  assert.equal(lines.length, 1);
  assert.equal(lines[0]![0], 'error');
  assert.match(lines[0]![1], /^The whenReady hook failed\nError: on purpose\n {4}at /);
});

test('preFork, childExit and nworkersChanged get their worker or counts; an unchanged count calls nothing', async (t) => {
  const { logger: log } = logger(t);
  const calls: unknown[][] = [];
  const record = (name: string) => (s: ServerView, ...args: unknown[]) => void calls.push([name, s.workers.length, ...args]);
  const live: WorkerView[] = [{ id: 1, pid: 100, generation: 2 }];
  const hooks = new MasterHooks(log, () => ({
    config: config({ preFork: record('preFork'), childExit: record('childExit'), nworkersChanged: record('nworkersChanged') }),
    target: 2,
    workers: live,
  }));
  hooks.preFork(3, 2);
  hooks.childExit({ id: 1, pid: 100, generation: 2, channel: 'not for hooks' } as WorkerView);
  hooks.nworkersChanged(2, 2);
  hooks.nworkersChanged(3, 2);
  await new Promise((r) => setImmediate(r));
  assert.deepEqual(calls, [
    ['preFork', 1, { id: 3, pid: undefined, generation: 2 }],
    ['childExit', 1, { id: 1, pid: 100, generation: 2 }],
    ['nworkersChanged', 1, 3, 2],
  ]);
});
