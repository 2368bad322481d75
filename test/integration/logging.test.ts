// Logs and metrics to real listeners: statsd over UDP, syslog over UDP, TCP and
// a unix socket, the JSON access log, and USR1 with the real logrotate.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import dgram from 'node:dgram';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import net from 'node:net';
import path from 'node:path';
import { after, describe, test } from 'node:test';
import { FIXTURES, ROOT, startServer, waitFor } from '../helpers/narwhal.js';
import { request } from '../helpers/http.js';

const app = (name: string) => path.join(FIXTURES, name);

function scratch(): string {
  mkdirSync(path.join(ROOT, 'test-artifacts'), { recursive: true });
  return mkdtempSync(path.join(ROOT, 'test-artifacts', 'logging-'));
}

/** A UDP listener, closed when the test file ends whatever happened. */
async function udpListener(): Promise<{ port: number; messages: string[]; close(): void }> {
  const socket = dgram.createSocket('udp4');
  let open = true;
  const close = () => {
    if (open) socket.close();
    open = false;
  };
  after(close);
  const messages: string[] = [];
  socket.on('message', (m) => messages.push(m.toString('utf8')));
  await new Promise<void>((r) => socket.bind(0, '127.0.0.1', r));
  return { port: socket.address().port, messages, close };
}

async function streamListener(where: number | string): Promise<{ address: string | number; text: () => string; close(): void }> {
  let text = '';
  const server = net.createServer((s) => s.setEncoding('utf8').on('data', (d: string) => (text += d)));
  after(() => server.close());
  await new Promise<void>((r) => (typeof where === 'string' ? server.listen(where, r) : server.listen(where, '127.0.0.1', r)));
  const addr = server.address();
  return { address: typeof addr === 'string' ? addr : addr!.port, text: () => text, close: () => server.close() };
}

describe('logging and metrics', () => {
  test("statsd gets Gunicorn's metrics with prefix and DogStatsD tags", async () => {
    const statsd = await udpListener();
    const s = await startServer([app('throw.ts'), '-w', '2', '--statsd-host', `127.0.0.1:${statsd.port}`, '--statsd-prefix', 'shop', '--dogstatsd-tags', 'env:test,team:web'], { workers: 2 });
    await request(`${s.url}/a`);
    await request(`${s.url}/status/404`);
    await request(`${s.url}/throw`);
    const has = (re: RegExp) => statsd.messages.some((m) => re.test(m));
    const requests = () => statsd.messages.filter((m) => /^shop\.requests:1\|c\|#env:test,team:web$/.test(m)).length;
    // Each worker sends its own packets: wait for all three requests' worth.
    await waitFor('metrics', () => requests() === 3 && has(/^shop\.request\.status\.404:1\|c/) && has(/^shop\.request\.status\.500:1\|c\|#env:test,team:web$/) && has(/^shop\.log\.exception:1\|c/));
    assert.ok(has(/^shop\.workers:2\|g\|#env:test,team:web$/), statsd.messages.join('\n'));
    assert.ok(has(/^shop\.request\.status\.200:1\|c/));
    assert.ok(has(/^shop\.request\.status\.404:1\|c/));
    assert.ok(has(/^shop\.request\.duration:\d+(\.\d+)?\|ms\|#env:test,team:web$/));
    assert.ok(has(/^shop\.log\.error:1\|c/));
    await s.stop();
    statsd.close();
  });

  test('syslog over UDP: RFC 3164 with facility, severity and the prefix tag; access lines too', async () => {
    const syslog = await udpListener();
    const s = await startServer([app('throw.ts'), '--syslog', '--syslog-addr', `udp://127.0.0.1:${syslog.port}`, '--syslog-prefix', 'shop', '--syslog-facility', 'local0']);
    await request(`${s.url}/throw`);
    await waitFor('an error and an access line', () => syslog.messages.some((m) => m.startsWith('<131>')) && syslog.messages.some((m) => /narwhal\.access\.shop: .*"GET \/throw HTTP\/1\.1" 500/.test(m)));
    // local0 (16) * 8 + info (6) = 134; error (3) = 131.
    assert.ok(syslog.messages.some((m) => /^<134>\w{3} [ \d]\d \d\d:\d\d:\d\d \S+ narwhal\.error\.shop: \[\d+\] \[INFO\] Starting narwhal/.test(m)), syslog.messages.join('\n'));
    assert.ok(syslog.messages.some((m) => /^<131>.*narwhal\.error\.shop: \[\d+\] \[ERROR\] Error handling request GET \/throw\nTypeError: handler failed on purpose/.test(m)));
    await s.stop();
    syslog.close();
  });

  test('syslog over TCP and over a unix stream socket', async () => {
    const dir = scratch();
    for (const where of [0, path.join(dir, 'syslog.sock')]) {
      const listener = await streamListener(where);
      const addr = typeof listener.address === 'number' ? `tcp://127.0.0.1:${listener.address}` : `unix://${listener.address}`;
      const s = await startServer([app('hello.ts'), '--syslog', '--syslog-addr', addr]);
      await waitFor(`a line over ${addr}`, () => /<14>.* narwhal\.error\.\S+: \[\d+\] \[INFO\] Starting narwhal [\d.]+\n/.test(listener.text()));
      await s.stop();
      listener.close();
    }
  });

  test('--access-log-json writes one JSON object per request', async () => {
    const dir = scratch();
    const file = path.join(dir, 'access.jsonl');
    const s = await startServer([app('throw.ts'), '--access-logfile', file, '--access-log-json']);
    await request(`${s.url}/status/201?x=1`, { headers: { 'user-agent': 'ua/1' } });
    const line = await waitFor('a JSON line', () => (existsSync(file) ? readFileSync(file, 'utf8').split('\n')[0] : undefined) || undefined);
    const entry = JSON.parse(line);
    assert.equal(entry.method, 'GET');
    assert.equal(entry.path, '/status/201');
    assert.equal(entry.query, 'x=1');
    assert.equal(entry.status, 201);
    assert.equal(entry.bytes, 'path /status/201'.length);
    assert.equal(entry.user_agent, 'ua/1');
    assert.equal(entry.remote_addr, '127.0.0.1');
    assert.equal(typeof entry.duration_ms, 'number');
    assert.ok(!Number.isNaN(Date.parse(entry.time)));
    await s.stop();
  });

  test('logrotate + USR1 under load: no access line lost or duplicated, none written to the rotated file after the reopen', { skip: existsSync('/usr/sbin/logrotate') ? false : 'logrotate is not installed (apt-get install logrotate)' }, async () => {
    const dir = scratch();
    const access = path.join(dir, 'access.log');
    const errors = path.join(dir, 'error.log');
    const pidfile = path.join(dir, 'narwhal.pid');
    const conf = path.join(dir, 'logrotate.conf');
    writeFileSync(conf, `${access} ${errors} {\n  rotate 1\n  missingok\n  sharedscripts\n  postrotate\n    kill -USR1 $(cat ${pidfile})\n  endscript\n}\n`, { mode: 0o644 });
    const s = await startServer([app('hello.ts'), '-w', '2', '--access-logfile', access, '--access-logformat', '%(U)s', '--pid', pidfile, '--error-logfile', '-'], { workers: 2 });
    const agent = new http.Agent({ keepAlive: true, maxSockets: 4 });
    let next = 0;
    let stop = false;
    const started = new Map<number, number>();
    const loop = async () => {
      while (!stop && next < 5000) {
        const n = next++;
        started.set(n, Date.now());
        const r = await request(`${s.url}/req/${n}`, { agent });
        assert.equal(r.status, 200);
      }
    };
    const loops = [loop(), loop(), loop(), loop()];
    await waitFor('some traffic', () => next > 200);
    execFileSync('logrotate', ['-f', '-s', path.join(dir, 'state'), conf]);
    await waitFor('both workers to reopen', () => s.count(/reopened its log files/) === 2);
    const reopenedAt = Date.now();
    await waitFor('traffic after the reopen', () => next > 400 && [...started.values()].some((t) => t > reopenedAt + 50));
    stop = true;
    await Promise.all(loops);
    agent.destroy();
    await s.stop();
    const lines = (file: string) => readFileSync(file, 'utf8').split('\n').filter(Boolean);
    const rotated = lines(`${access}.1`);
    const fresh = lines(access);
    const all = [...rotated, ...fresh].map((l) => Number(l.replace('/req/', '')));
    assert.equal(all.length, next, 'every request has exactly one line');
    assert.equal(new Set(all).size, next, 'no line duplicated');
    const afterReopen = [...started].filter(([, t]) => t > reopenedAt).map(([n]) => n);
    const inRotated = new Set(rotated.map((l) => Number(l.replace('/req/', ''))));
    assert.ok(afterReopen.length > 0);
    assert.ok(afterReopen.every((n) => !inRotated.has(n)), 'nothing started after the reopen went to the rotated file');
    assert.ok(rotated.length > 0 && fresh.length > 0);
  });
});
