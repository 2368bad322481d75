// HUP reloads under continuous load: readiness-gated generations, draining
// old workers, a broken deploy that leaves the old workers serving, and
// workers SIGKILLed under load. Real processes, sockets and signals.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { copyFileSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { FIXTURES, alive, startServer, waitFor } from '../helpers/narwhal.js';
import { startLoad } from '../helpers/load.js';
import { request } from '../helpers/http.js';

const ECHO = path.join(FIXTURES, 'echo.mjs');

test('20 HUP reloads under keep-alive load drop no request', async () => {
  const server = await startServer([ECHO, '--workers', '2'], { workers: 2 });
  const load = startLoad(server.url, { concurrency: 6, maxMs: 90_000 });
  try {
    await waitFor('load running', () => load.ok > 50);
    for (let i = 1; i <= 20; i++) {
      const before = load.ok;
      server.signal('SIGHUP');
      await waitFor(`reload ${i} complete`, () => server.count(/Reload complete/) >= i, 20_000);
      await waitFor('requests served after the reload', () => load.ok > before + 10);
    }
  } finally {
    const result = await load.stop();
    await server.stop();
    assert.deepEqual(result.failures, []);
    assert.ok(result.ok > 200, `only ${result.ok} requests`);
    // 2 original workers and 2 per reload answered.
    assert.ok(result.pids.size >= 30, `answers came from only ${result.pids.size} workers`);
  }
});

test('a retiring worker finishes its in-flight request and its waitUntil work', async () => {
  const server = await startServer([ECHO, '--workers', '1'], { workers: 1 });
  try {
    const slow = request(`${server.url}/slow?ms=800`, { agent: false });
    await request(`${server.url}/wait-until?ms=600`);
    await waitFor('slow request in flight', () => true);
    server.signal('SIGHUP');
    const reply = await slow;
    assert.equal(reply.status, 200);
    assert.match(reply.body, /^slept 800/);
    assert.equal(reply.headers.connection, 'close');
    await server.waitForLog(/waitUntil done in \d+/);
    await server.waitForLog(/Reload complete/);
    await server.waitForLog(/retired \(exited with code 0\)/);
  } finally {
    await server.stop();
  }
});

test('a broken deploy leaves the old workers serving; the fixed one reloads', async () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'narwhal-reload-'));
  const app = path.join(dir, 'app.mjs');
  copyFileSync(ECHO, app);
  const server = await startServer([app, '--workers', '2'], { workers: 2 });
  const load = startLoad(server.url, { concurrency: 4, maxMs: 60_000 });
  try {
    const oldPids = server.readyPids();
    writeFileSync(app, "throw new Error('broken deploy');\n");
    server.signal('SIGHUP');
    await server.waitForLog(/Reload failed: generation 2 could not boot/);
    assert.match(server.output, /broken deploy/);
    assert.equal(server.count(/Reload complete/), 0, 'a failed reload is never called complete');
    const before = load.ok;
    await waitFor('old workers still serving', () => load.ok > before + 20);
    const reply = await request(server.url);
    assert.ok(oldPids.includes(Number(reply.body)), `answered by ${reply.body}, not one of ${oldPids}`);

    copyFileSync(ECHO, app);
    server.signal('SIGHUP');
    await server.waitForLog(/Reload complete/);
    // Retiring workers close their listeners on their own time: once they are gone, only the new generation accepts.
    await waitFor('old workers gone', () => oldPids.every((pid) => !alive(pid)), 20_000);
    const after = await request(server.url);
    assert.ok(!oldPids.includes(Number(after.body)), 'the new generation serves');
  } finally {
    const result = await load.stop();
    await server.stop();
    rmSync(dir, { recursive: true, force: true });
    assert.deepEqual(result.failures, []);
  }
});

test('a worker SIGKILLed every second under load is replaced each time', async () => {
  const concurrency = 4;
  const server = await startServer([ECHO, '--workers', '2'], { workers: 2 });
  const load = startLoad(server.url, { concurrency, maxMs: 60_000 });
  try {
    await waitFor('load running', () => load.ok > 20);
    for (let i = 0; i < 5; i++) {
      const victim = server.readyPids().at(-1)!;
      process.kill(victim, 'SIGKILL');
      await server.waitForLog(new RegExp(`Worker \\(pid:${victim}\\) was killed by SIGKILL`));
      await waitFor('a replacement ready', () => server.readyPids().length >= 3 + i);
      const before = load.ok;
      await waitFor('serving again', () => load.ok > before + 20);
    }
  } finally {
    const result = await load.stop();
    await server.stop();
    // Only what a killed worker had on its connections can fail: at most one request per connection per kill.
    assert.ok(result.failures.length <= 5 * concurrency, `${result.failures.length} failures: ${result.failures.slice(0, 5)}`);
    for (const f of result.failures) assert.match(f, /ECONNRESET|socket hang up|EPIPE/);
    assert.ok(result.ok > 100);
  }
});

test('a request sent on an idle keep-alive connection while its worker drains is served with Connection: close', async () => {
  const server = await startServer([ECHO, '--workers', '1', '--keep-alive', '5'], { workers: 1 });
  const socket = net.connect(server.port, '127.0.0.1');
  try {
    let received = '';
    socket.setEncoding('utf8').on('data', (d: string) => (received += d));
    const get = 'GET / HTTP/1.1\r\nHost: x\r\n\r\n';
    socket.write(get);
    await waitFor('the first answer', () => /\r\n\r\n\d+$/.test(received));
    const [pid] = server.readyPids();
    assert.match(received, /Connection: keep-alive/i);
    received = '';
    // The connection is idle in the old worker when the reload retires it.
    server.signal('SIGHUP');
    await server.waitForLog(new RegExp(`Worker ${pid} draining: 1 connections, 0 requests in flight`));
    socket.write(get);
    await waitFor('the second answer', () => /\r\n\r\n\d+$/.test(received));
    assert.match(received, /^HTTP\/1\.1 200/);
    assert.match(received, /Connection: close/i);
    assert.ok(received.endsWith(String(pid)), 'the draining worker served it on the same connection');
    await waitFor('the connection closed', () => socket.readyState === 'closed' || socket.destroyed || !socket.writable);
  } finally {
    socket.destroy();
    await server.stop();
  }
});
