// The master and its workers as real processes: titles, signals, replacement,
// scaling, reload, pidfile, sockets and heartbeats.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import net from 'node:net';
import path from 'node:path';
import { describe, test } from 'node:test';
import { FIXTURES, Narwhal, ROOT, alive, runNarwhal, startServer, waitFor } from '../helpers/narwhal.js';
import { request } from '../helpers/http.js';

const app = (name: string) => path.join(FIXTURES, name);

function scratch(): string {
  mkdirSync(path.join(ROOT, 'test-artifacts'), { recursive: true });
  return mkdtempSync(path.join(ROOT, 'test-artifacts', 'arbiter-'));
}

function title(pid: number): string {
  return execFileSync('ps', ['-o', 'args=', '-p', String(pid)], { encoding: 'utf8' }).trim();
}

function children(pid: number): number[] {
  try {
    return execFileSync('ps', ['-o', 'pid=', '--ppid', String(pid)], { encoding: 'utf8' }).split('\n').filter(Boolean).map(Number);
  } catch {
    return [];
  }
}

describe('master and workers', () => {
  test('two workers under one master, named in ps, both serving on the shared socket', async () => {
    const s = await startServer([app('hello.ts'), '--workers', '2', '--name', 'shop'], { workers: 2 });
    assert.equal(title(s.pid), 'narwhal: master [shop]');
    const workers = s.readyPids();
    assert.deepEqual(children(s.pid).sort(), [...workers].sort());
    for (const pid of workers) assert.equal(title(pid), 'narwhal: worker [shop]');
    // The master never accepts: every answer comes from a worker.
    const seen = new Set<string>();
    await waitFor('answers from both workers', async () => {
      const agent = new http.Agent({ keepAlive: false });
      const r = await request(s.url, { agent });
      seen.add(String(r.headers['x-pid']));
      return seen.size === 2;
    });
    assert.ok(![...seen].includes(String(s.pid)));
    assert.equal((await s.stop()).code, 0);
  });

  test('TERM during a slow request lets it finish, then the master exits 0', async () => {
    const s = await startServer([app('slow.ts')]);
    const pending = request(`${s.url}/?ms=1500`);
    await s.waitForLog(/slow request started \(1500 ms\)/);
    s.signal('SIGTERM');
    const r = await pending;
    assert.equal(r.status, 200);
    assert.match(r.body, /^slept 1500 ms/);
    assert.equal(r.headers.connection, 'close');
    const exit = await s.exited;
    assert.equal(exit.code, 0);
    assert.match(s.output, /Handling signal: term/);
    assert.match(s.output, /Shutting down: Master/);
  });

  test('a worker killed with SIGKILL is replaced at once and the server keeps answering', async () => {
    const s = await startServer([app('hello.ts'), '-w', '2'], { workers: 2 });
    const [victim] = s.readyPids();
    process.kill(victim!, 'SIGKILL');
    await waitFor('a replacement worker', () => s.readyPids().length === 3);
    assert.match(s.output, new RegExp(`Worker \\(pid:${victim}\\) was killed by SIGKILL`));
    for (let i = 0; i < 10; i++) assert.equal((await request(s.url)).status, 200);
    assert.equal(children(s.pid).length, 2);
    await s.stop();
  });

  test('TTIN adds a worker, TTOU removes one, never below one', async () => {
    const s = await startServer([app('hello.ts')]);
    s.signal('SIGTTIN');
    await waitFor('a second worker', () => s.readyPids().length === 2 && children(s.pid).length === 2);
    s.signal('SIGTTOU');
    await waitFor('back to one worker', () => children(s.pid).length === 1);
    s.signal('SIGTTOU');
    await waitFor('the scale-down to be handled', () => s.count(/Scaling to 1 worker\b/) === 2);
    assert.equal(children(s.pid).length, 1);
    assert.equal((await request(s.url)).status, 200);
    await s.stop();
  });

  test('HUP starts a new generation, then retires the old workers', async () => {
    const s = await startServer([app('hello.ts'), '-w', '2'], { workers: 2 });
    const old = s.readyPids();
    s.signal('SIGHUP');
    await s.waitForLog(/Reload complete: 2 workers of generation 2 serving/);
    await waitFor('old workers to exit', () => old.every((p) => !alive(p)));
    const now = children(s.pid);
    assert.equal(now.length, 2);
    assert.ok(now.every((p) => !old.includes(p)));
    assert.equal((await request(s.url)).status, 200);
    await s.stop();
  });

  test('HUP re-reads the config file: a new worker count takes effect', async () => {
    const dir = scratch();
    const config = path.join(dir, 'narwhal.config.mjs');
    writeFileSync(config, 'export default { workers: 1 };\n');
    const s = await startServer([app('hello.ts'), '-c', config]);
    writeFileSync(config, 'export default { workers: 3 };\n');
    s.signal('SIGHUP');
    await s.waitForLog(/Reload complete: 3 workers of generation 2 serving/);
    await waitFor('three workers', () => children(s.pid).length === 3);
    await s.stop();
  });

  test('workers leave when their master is gone', async () => {
    const s = await startServer([app('hello.ts'), '-w', '2'], { workers: 2 });
    const workers = s.readyPids();
    s.signal('SIGKILL');
    await waitFor('orphaned workers to exit', () => workers.every((p) => !alive(p)));
  });

  test('INT stops quickly with exit 0', async () => {
    const s = await startServer([app('slow.ts')]);
    const pending = request(`${s.url}/?ms=20000`).catch((e: Error) => e);
    await s.waitForLog(/slow request started \(20000 ms\)/);
    s.signal('SIGINT');
    const exit = await s.exited;
    assert.equal(exit.code, 0);
    assert.ok((await pending) instanceof Error, 'the slow request was cut off');
  });

  test('--pid writes the master pid and removes the file on exit; a live pidfile is refused', async () => {
    const dir = scratch();
    const pidfile = path.join(dir, 'narwhal.pid');
    const s = await startServer([app('hello.ts'), '--pid', pidfile]);
    assert.equal(readFileSync(pidfile, 'utf8').trim(), String(s.pid));
    const second = await runNarwhal([app('hello.ts'), '--pid', pidfile, '--bind', '127.0.0.1:0']);
    assert.notEqual(second.code, 0);
    assert.match(second.output, /still running/);
    await s.stop();
    assert.equal(existsSync(pidfile), false);
  });

  test('-e sets the app\'s environment; --chdir changes where the app is found', async () => {
    const s = await startServer(['env.ts', '--chdir', FIXTURES, '-e', 'GREETING=bonjour', '--env=OTHER=x=y']);
    assert.equal((await request(`${s.url}/?name=GREETING`)).body, 'bonjour');
    assert.equal((await request(`${s.url}/?name=OTHER`)).body, 'x=y');
    await s.stop();
  });

  test('a unix socket, with its mode from --umask, and removed on exit', async () => {
    const dir = scratch();
    const sock = path.join(dir, 'app.sock');
    const s = await startServer([app('hello.ts'), '--bind', `unix:${sock}`, '--umask', '007']);
    assert.equal(statSync(sock).mode & 0o777, 0o770);
    const body = await new Promise<string>((resolve, reject) => {
      http.get({ socketPath: sock, path: '/via-unix' }, (res) => {
        let text = '';
        res.on('data', (d) => (text += d));
        res.on('end', () => resolve(text));
      }).on('error', reject);
    });
    assert.match(body, /via-unix/);
    await s.stop();
    assert.equal(existsSync(sock), false);
  });

  test('fd://N serves on a socket the parent process bound and passed down', async () => {
    // Bound, not listening, as a supervisor would hand it over (the test process never accepts on it).
    const createServerHandle = (net as unknown as { _createServerHandle: (a: string, p: number, t: number) => { fd: number; getsockname(o: object): void; close(): void } })._createServerHandle;
    const handle = createServerHandle('127.0.0.1', 0, 4);
    const out: { port?: number } = {};
    handle.getsockname(out);
    const n = new Narwhal([app('hello.ts'), '--bind', 'fd://3', '--log-level', 'debug'], { stdio: ['ignore', 'pipe', 'pipe', handle.fd] });
    handle.close();
    await n.waitForLog(/Listening at: fd:\/\/3/);
    await waitFor('a ready worker', () => n.readyPids().length === 1);
    assert.match((await request(`http://127.0.0.1:${out.port}/via-fd`)).body, /via-fd/);
    assert.equal((await n.stop()).code, 0);
  });

  test('an address already in use: one line, exit 5', async () => {
    const blocker = net.createServer().listen(0, '127.0.0.1');
    await new Promise((r) => blocker.once('listening', r));
    const port = (blocker.address() as net.AddressInfo).port;
    const r = await runNarwhal([app('hello.ts'), '--bind', `127.0.0.1:${port}`]);
    blocker.close();
    assert.equal(r.code, 5, r.output);
    assert.match(r.output, /cannot bind 127\.0\.0\.1:\d+: another process is listening there.*\(EADDRINUSE\)/);
  });

  test('a worker whose event loop is blocked past --timeout is killed and replaced', async () => {
    const s = await startServer([app('block.ts'), '--timeout', '1', '--worker-tmp-dir', '/dev/shm']);
    const [stuck] = s.readyPids();
    request(`${s.url}/block`).catch(() => {});
    await s.waitForLog(new RegExp(`WORKER TIMEOUT \\(pid:${stuck}\\)`), 10_000);
    await waitFor('a replacement worker', () => s.readyPids().length === 2);
    assert.equal(alive(stuck!), false);
    assert.equal((await request(s.url)).status, 200);
    await s.stop();
  });

  test('--capture-output sends the workers\' stdout and stderr into the error log file', async () => {
    const dir = scratch();
    const log = path.join(dir, 'error.log');
    const read = () => (existsSync(log) ? readFileSync(log, 'utf8') : '');
    const n = new Narwhal([app('stdout.ts'), '--bind', '127.0.0.1:0', '--log-level', 'debug', '--capture-output', '--error-logfile', log]);
    const port = await waitFor('the port in the log file', () => read().match(/Listening at: http:\/\/127\.0\.0\.1:(\d+)/)?.[1]);
    await waitFor('a ready worker', () => /is ready/.test(read()));
    await request(`http://127.0.0.1:${port}/?tag=abc`);
    await waitFor('captured lines', () => /^stdout-line abc$/m.test(read()) && /^stderr-line abc$/m.test(read()));
    assert.equal(n.output, '', 'nothing reaches the terminal');
    assert.equal((await n.stop()).code, 0);
    assert.match(read(), /Shutting down: Master/);
  });

  test('the access log writes Gunicorn\'s default format', async () => {
    const dir = scratch();
    const access = path.join(dir, 'access.log');
    const s = await startServer([app('hello.ts'), '--access-logfile', access]);
    await request(`${s.url}/page?q=1`, { headers: { 'user-agent': 'test-agent/1', referer: 'http://ref/' } });
    const line = await waitFor('an access log line', () => readFileSync(access, 'utf8').split('\n')[0] || undefined);
    assert.match(line, /^127\.0\.0\.1 - - \[\d{2}\/\w{3}\/\d{4}:\d{2}:\d{2}:\d{2} [+-]\d{4}\] "GET \/page\?q=1 HTTP\/1\.1" 200 \d+ "http:\/\/ref\/" "test-agent\/1"$/);
    await s.stop();
  });
});
