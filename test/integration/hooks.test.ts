// Gunicorn's server hooks, each called at its moment and in the right process.
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { FIXTURES, ROOT, alive, startServer, waitFor } from '../helpers/narwhal.js';
import { request } from '../helpers/http.js';

const CONFIG = path.join(ROOT, 'test/fixtures/hooks/narwhal.config.ts');

function logFile(): { path: string; lines: () => string[][] } {
  mkdirSync(path.join(ROOT, 'test-artifacts'), { recursive: true });
  const file = path.join(mkdtempSync(path.join(ROOT, 'test-artifacts', 'hooks-')), 'hooks.log');
  return { path: file, lines: () => (existsSync(file) ? readFileSync(file, 'utf8').trim().split('\n').map((l) => l.split(' ')) : []) };
}

for (const [kind, app] of [['fetch', 'hello.ts'], ['node', 'node-hello.mjs']] as const) {
  test(`every hook runs at its moment, in the master or the worker (${kind}-style app)`, async () => {
    const log = logFile();
    const s = await startServer([path.join(FIXTURES, app), '-c', CONFIG], { env: { HOOKS_LOG: log.path } });
    const master = String(s.pid);
    const [first] = s.readyPids().map(String);
    const has = (name: string, pid?: string, detail?: string) => log.lines().some((l) => l[0] === name && (!pid || l[1] === pid) && (!detail || l.slice(2).join(' ') === detail));

    await waitFor('whenReady', () => has('whenReady', master));
    assert.ok(has('onStarting', master, 'workers=1'));
    assert.ok(has('preFork', master, 'id=1 pid=undefined'));
    assert.ok(has('postFork', first, 'id=1'));
    assert.ok(has('postWorkerInit', first, 'id=1'));
    assert.match(s.output, /The whenReady hook failed\nError: whenReady fails on purpose \(fixture\)/);

    assert.equal((await request(`${s.url}/x`)).status, 200, 'a hook that throws does not stop the server');
    await waitFor('request hooks', () => has('preRequest', first, '/x') && has('postRequest', first, '/x 200'));

    s.signal('SIGTTIN');
    await waitFor('a second worker', () => s.readyPids().length === 2);
    assert.ok(has('nworkersChanged', master, '2 1'));

    const second = String(s.readyPids()[1]);
    process.kill(Number(second), 'SIGQUIT');
    await waitFor('workerInt and childExit', () => has('workerInt', second) && has('childExit', master, `pid=${second}`));
    await waitFor('a replacement', () => s.readyPids().length === 3);
    const third = s.readyPids()[2]!;
    process.kill(third, 'SIGABRT');
    await waitFor('workerAbort', () => has('workerAbort', String(third)));

    s.signal('SIGHUP');
    await s.waitForLog(/Reload complete/);
    assert.ok(has('onReload', master));

    assert.equal((await s.stop()).code, 0);
    assert.ok(has('workerExit'), 'workers ran workerExit on the graceful stop');
    const lines = log.lines();
    assert.deepEqual(lines.at(-1)!.slice(0, 2), ['onExit', master]);
    assert.deepEqual(lines[0]!.slice(0, 2), ['onStarting', master]);
    assert.equal(alive(Number(first)), false);
  });
}

test('a TERM repeated while the master finishes (during on_exit) does not turn its clean exit into a signal death', async () => {
  const s = await startServer([path.join(FIXTURES, 'hello.ts'), '-c', path.join(ROOT, 'test/fixtures/hooks/slow-exit.config.ts')]);
  s.signal('SIGTERM');
  await s.waitForLog(/onExit started/, 15_000);
  s.signal('SIGTERM');
  s.signal('SIGHUP');
  const exit = await s.exited;
  assert.deepEqual(exit, { code: 0, signal: null }, s.output);
  assert.match(s.output, /Shutting down: Master/);
});
