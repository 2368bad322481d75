// Scripts that call listen() themselves, as PM2 runs them: their servers
// accept on Narwhal's sockets, under Narwhal's supervision (drain, HUP, title,
// access log, health path). Real processes, sockets and signals.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import path from 'node:path';
import { FIXTURES, runNarwhal, startServer, waitFor } from '../helpers/narwhal.js';
import { startLoad } from '../helpers/load.js';
import { request } from '../helpers/http.js';

const app = (name: string) => path.join(FIXTURES, name);

test('a plain node:http script: 2 workers both serve on Narwhal\'s port, PORT and HOST set, said once', async () => {
  const s = await startServer([app('listen-http.mjs'), '--workers', '2', '--access-logfile', '-', '--health-path', '/healthz'], { workers: 2 });
  try {
    const pids = new Set<string>();
    await waitFor('answers from both workers', async () => {
      pids.add((await request(s.url, { agent: false })).body);
      return pids.size >= 2;
    });
    assert.deepEqual(JSON.parse((await request(`${s.url}/env`)).body), { PORT: String(s.port), HOST: '127.0.0.1' });
    const echo = await request(s.url, { method: 'POST', body: 'hello' });
    assert.match(echo.body, /^\d+:hello$/);
    assert.equal(s.count(/\[INFO\] The app asked to listen on port 3000; it accepts on Narwhal's http:\/\/127\.0\.0\.1:\d+ instead/), 1);
    const health = await request(`${s.url}/healthz`);
    assert.equal(health.status, 200);
    assert.equal(health.body, 'OK\n');
    await s.waitForLog(/"POST \/ HTTP\/1\.1" 200/);
    await s.waitForLog(/"GET \/env HTTP\/1\.1" 200/);
  } finally {
    await s.stop();
  }
});

test('Express app.listen(3000)', async () => {
  const s = await startServer([app('listen-express.mjs')]);
  try {
    assert.match((await request(s.url)).body, /^express \d+$/);
    const r = await request(`${s.url}/echo`, { method: 'POST', body: 'ping', headers: { 'content-type': 'text/plain' } });
    assert.equal(JSON.parse(r.body).received, 'ping');
  } finally {
    await s.stop();
  }
});

test("a script's own SIGTERM handler that exits waits for the drain: the in-flight request finishes", async () => {
  const s = await startServer([app('listen-sigterm.mjs'), '--workers', '1']);
  try {
    const [first] = s.readyPids();
    const slow = request(`${s.url}/?ms=800`, { agent: false });
    await s.waitForLog(/app got a 800 ms request/);
    s.signal('SIGHUP');
    const reply = await slow;
    assert.equal(reply.status, 200);
    assert.equal(reply.body, `slept 800 in ${first}`);
    await s.waitForLog(/Reload complete/);
    await s.waitForLog(/app SIGTERM handler: exiting/);
    const exit = await s.stop();
    assert.equal(exit.code, 0);
  } finally {
    await s.stop();
  }
});

test('a script that renames the process: ps still shows master and worker', async () => {
  const s = await startServer([app('listen-title.mjs'), '--name', 'titled']);
  try {
    const [worker] = s.readyPids();
    const title = (pid: number) => execFileSync('ps', ['-o', 'args=', '-p', String(pid)], { encoding: 'utf8' }).trim();
    assert.match(title(worker!), /^narwhal: worker \[titled\]/);
    assert.match(title(s.pid), /^narwhal: master \[titled\]/);
    assert.equal((await request(s.url)).body, 'narwhal: worker [titled]');
  } finally {
    await s.stop();
  }
});

test('a script that listens on two ports: one line and exit code 4', async () => {
  const r = await runNarwhal([app('listen-two-ports.mjs'), '--bind', '127.0.0.1:0']);
  assert.equal(r.code, 4, r.output);
  assert.match(r.output, /the app listens on a second server \(port 3001, after port 3000\)/);
  assert.doesNotMatch(r.output, /EADDRINUSE|\n\s+at /);
});

test('a script that never listens: one line and exit code 4 after --boot-timeout', async () => {
  const r = await runNarwhal([app('listen-never.mjs'), '--bind', '127.0.0.1:0', '--boot-timeout', '1']);
  assert.equal(r.code, 4, r.output);
  assert.match(r.output, /has no export "default" \(its exports: none\), and it called listen\(\) on no server within --boot-timeout 1 s/);
  assert.doesNotMatch(r.output, /\n\s+at /);
});

test('a server started after the module loaded (NestJS bootstrap) and a promise default export', async () => {
  const late = await startServer([app('listen-late.mjs')]);
  try {
    assert.match((await request(late.url)).body, /^late \d+$/);
  } finally {
    await late.stop();
  }
  const built = await startServer([app('promise-default.mjs')]);
  try {
    assert.equal((await request(built.url)).body, 'built later');
  } finally {
    await built.stop();
  }
});

test('HUP reloads under bounded keep-alive load lose no request (listen script, 2 workers)', async () => {
  const s = await startServer([app('listen-http.mjs'), '--workers', '2'], { workers: 2 });
  const load = startLoad(s.url, { concurrency: 6, maxMs: 60_000 });
  try {
    await waitFor('load running', () => load.ok > 50);
    for (let i = 1; i <= 5; i++) {
      const before = load.ok;
      s.signal('SIGHUP');
      await waitFor(`reload ${i} complete`, () => s.count(/Reload complete/) >= i, 20_000);
      await waitFor('requests served after the reload', () => load.ok > before + 10);
    }
  } finally {
    const result = await load.stop();
    await s.stop();
    assert.deepEqual(result.failures, []);
    assert.ok(result.ok > 100, `only ${result.ok} requests`);
    assert.ok(result.pids.size >= 8, `answers came from only ${result.pids.size} workers`);
  }
});
