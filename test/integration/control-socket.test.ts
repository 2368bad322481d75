// `narwhal ctl` against a running master: the socket's mode, stats, scale,
// reload, dump (a blocked worker's stack without killing it) and stop.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { FIXTURES, alive, runNarwhal, startServer, waitFor } from '../helpers/narwhal.js';
import { request } from '../helpers/http.js';

const STUCK = path.join(FIXTURES, 'stuck.ts');

interface Stats {
  master: { pid: number; targetWorkers: number };
  workers: { pid: number; state: string; responsive: boolean; requestsServed: number; inFlight: number; rssMiB: number; loopLagMeanMs: number; ageSeconds: number }[];
}

test('narwhal ctl: stats, scale, reload, dump and stop', async () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'narwhal-ctl-'));
  const sock = path.join(dir, 'ctl.sock');
  const ctl = (...args: string[]) => runNarwhal(['ctl', '--ctl-socket', sock, ...args]);
  const server = await startServer([STUCK, '--workers', '2', '--ctl-socket', sock, '--timeout', '0', '--graceful-timeout', '1'], { workers: 2 });
  try {
    assert.equal(statSync(sock).mode & 0o777, 0o600);

    for (let i = 0; i < 4; i++) await request(server.url);
    const statsRun = await ctl('stats');
    assert.equal(statsRun.code, 0, statsRun.output);
    const stats = JSON.parse(statsRun.output) as Stats;
    assert.equal(stats.master.pid, server.pid);
    assert.deepEqual(stats.workers.map((w) => w.pid).sort(), server.readyPids().sort());
    assert.equal(stats.workers.reduce((n, w) => n + w.requestsServed, 0), 4);
    for (const w of stats.workers) {
      assert.equal(w.responsive, true);
      assert.equal(w.inFlight, 0);
      assert.ok(w.rssMiB > 10 && w.loopLagMeanMs >= 0 && w.ageSeconds >= 0, JSON.stringify(w));
    }

    assert.equal((await ctl('scale', '+1')).code, 0);
    await waitFor('3 workers', () => server.readyPids().length >= 3);
    const down = await ctl('scale', '-2');
    assert.deepEqual(JSON.parse(down.output), { from: 3, to: 1 });
    await server.waitForLog(/Scaling to 1 worker\n/);
    await waitFor('one worker left', async () => (JSON.parse((await ctl('stats')).output) as Stats).workers.length === 1);
    const bad = await ctl('scale', 'lots');
    assert.equal(bad.code, 2);
    assert.match(bad.output, /scale takes N, \+N or -N/);
    assert.equal((await ctl('scale', '2')).code, 0);
    await waitFor('2 workers', async () => (JSON.parse((await ctl('stats')).output) as Stats).workers.filter((w) => w.state === 'ready').length === 2);

    assert.equal((await ctl('reload')).code, 0);
    await server.waitForLog(/Reload complete: 2 workers of generation 2/);

    // Block one worker for good (--timeout 0 leaves it alone), then look at both.
    void request(`${server.url}/spin`).catch(() => {});
    await waitFor('a worker blocked', async () => (JSON.parse((await ctl('stats')).output) as Stats).workers.some((w) => !w.responsive));
    const dump = await ctl('dump');
    assert.equal(dump.code, 0, dump.output);
    assert.match(dump.output, /while serving GET \/spin/);
    assert.match(dump.output, new RegExp(`at spin \\(${STUCK.replace(/[.]/g, '\\.')}:10:\\d+\\)`));
    assert.match(dump.output, /event loop idle/);
    assert.doesNotMatch(server.output, /WORKER TIMEOUT/);

    const stop = await ctl('stop');
    assert.equal(stop.code, 0);
    const exit = await server.exited;
    assert.equal(exit.code, 0);
    assert.equal(existsSync(sock), false);
    assert.equal(alive(server.pid), false);
    assert.match((await ctl('stats')).output, /cannot reach the control socket/);
  } finally {
    await server.stop();
    rmSync(dir, { recursive: true, force: true });
  }
});
