// A real nginx in front of real Narwhal instances, configured with the files
// in deploy/nginx/: the app sees the scheme and client address nginx vouches
// for; slow clients stay in nginx; a rolling restart of two instances behind
// one upstream loses no request, POSTs included. Skipped without nginx
// (.ci/run installs it).

import assert from 'node:assert/strict';
import http from 'node:http';
import https from 'node:https';
import net from 'node:net';
import { mkdtempSync, rmSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, describe, test } from 'node:test';
import { FIXTURES, Narwhal, startServer, waitFor } from '../helpers/narwhal.js';
import { NGINX, freePort, startNginx } from '../helpers/nginx.js';
import { request } from '../helpers/http.js';

const APP = path.join(FIXTURES, 'forwarded.ts');
const SKIP = NGINX ? false : 'nginx is not installed (apt-get install nginx; .ci/run does)';
// What docs/deployment.md runs behind nginx: keep-alive above nginx's upstream keepalive_timeout (4s).
const NARWHAL_ARGS = ['--keep-alive', '5'];
const FORGED = { 'x-forwarded-for': '6.6.6.6', 'x-forwarded-proto': 'https', 'x-forwarded-ssl': 'on', host: 'example.test' };

type Json = Record<string, string | number>;

function get(mod: typeof http | typeof https, opts: http.RequestOptions & https.RequestOptions): Promise<{ status: number; body: string; headers: http.IncomingHttpHeaders }> {
  return new Promise((resolve, reject) => {
    const req = mod.request({ agent: false, ...opts }, (res) => {
      let body = '';
      res.setEncoding('utf8').on('data', (d: string) => (body += d));
      res.on('end', () => resolve({ status: res.statusCode!, body, headers: res.headers }));
    });
    req.setTimeout(10_000, () => req.destroy(new Error('timed out')));
    req.on('error', reject).end();
  });
}

for (const transport of ['tcp', 'unix'] as const) {
  describe(`nginx -> Narwhal over ${transport === 'tcp' ? 'TCP' : 'a unix socket'}`, { skip: SKIP }, async () => {
    if (SKIP) return;
    const dir = mkdtempSync(path.join(tmpdir(), 'narwhal-nginx-app-'));
    const sock = path.join(dir, 'narwhal.sock');
    const server = await startServer([APP, ...NARWHAL_ARGS, '--bind', `unix:${sock}`]);
    const nginx = await startNginx([transport === 'tcp' ? `127.0.0.1:${server.port}` : `unix:${sock}`]);
    after(async () => {
      await nginx.stop();
      await server.stop();
      rmSync(dir, { recursive: true, force: true });
    });

    test('the app sees the client address and scheme nginx vouches for, not the forged ones', async () => {
      const plain = await get(http, { host: '127.0.0.1', port: nginx.port, localAddress: '127.0.0.2', path: '/p?q=1', headers: FORGED });
      assert.equal(plain.status, 200, plain.body);
      const info = JSON.parse(plain.body) as Json;
      assert.equal(info.url, 'http://example.test/p?q=1');
      assert.equal(info.clientAddress, '127.0.0.2');
      assert.equal(info.remoteAddress, transport === 'tcp' ? '127.0.0.1' : '');

      const tls = await get(https, { host: '127.0.0.1', port: nginx.tlsPort, localAddress: '127.0.0.2', path: '/s', headers: { ...FORGED, 'x-forwarded-proto': 'http' }, rejectUnauthorized: false });
      assert.equal(tls.status, 200, tls.body);
      const secure = JSON.parse(tls.body) as Json;
      assert.equal(secure.url, 'https://example.test/s');
      assert.equal(secure.clientAddress, '127.0.0.2');
    });

    if (transport === 'tcp') {
      test('a slow upload stays in nginx: the worker sees the request only once the body is complete', async () => {
        const pauseMs = 800;
        const socket = net.connect(nginx.port, '127.0.0.1');
        await new Promise((resolve) => socket.once('connect', resolve));
        let reply = '';
        socket.setEncoding('utf8').on('data', (d: string) => (reply += d));
        socket.write('POST /echo HTTP/1.1\r\nHost: example.test\r\nContent-Length: 11\r\nConnection: close\r\n\r\nhello');
        const started = Date.now();
        // The client is mid-body: the app has nothing in flight.
        assert.equal((await request(`${server.url}/inflight`)).body, '0');
        await new Promise((resolve) => setTimeout(resolve, pauseMs - (Date.now() - started))); // the slowness under test, not a synchronisation
        socket.write(' world');
        await new Promise((resolve) => socket.once('close', resolve));
        assert.match(reply, /^HTTP\/1\.1 200 /);
        assert.match(reply, /\r\n\r\nhello world$/);
        const wait = Number(/x-body-wait-ms: (\d+)/i.exec(reply)?.[1]);
        assert.ok(wait < pauseMs / 2, `the worker waited ${wait} ms for a body the client took ${pauseMs} ms to send`);
      });

      test('a client that does not read: the worker finishes sending into nginx and is free', async () => {
        const size = 32 * 1024 * 1024;
        const req = http.request({ host: '127.0.0.1', port: nginx.port, path: `/big?n=${size}`, agent: false });
        const res = await new Promise<http.IncomingMessage>((resolve, reject) => req.once('response', resolve).once('error', reject).end());
        res.pause();
        // Far more than socket buffers hold, yet the app's stream is fully sent.
        await waitFor('the app to finish streaming into nginx', async () => (await request(`${server.url}/inflight`)).body === '0', 15_000, 50);
        let got = 0;
        res.on('data', (c: Buffer) => (got += c.length));
        await new Promise((resolve) => res.once('end', resolve).resume());
        assert.equal(got, size);
      });
    }
  });
}

interface Load {
  readonly pidsSeen: Set<number>;
  readonly failures: string[];
  counts: { get: number; post: number };
  stop(): Promise<void>;
}

/** `loops` clients, each sending GETs and POSTs in turn through nginx until stopped (bounded in count and time). */
function startLoad(port: number, loops: number, maxPerLoop = 5000, maxMs = 50_000): Load {
  const agent = new http.Agent({ keepAlive: true, maxSockets: loops });
  const pidsSeen = new Set<number>();
  const failures: string[] = [];
  const counts = { get: 0, post: 0 };
  let running = true;
  const deadline = Date.now() + maxMs;
  const one = (i: number) =>
    new Promise<void>((resolve) => {
      const post = i % 2 === 1;
      const body = post ? randomBytes(512 + (i % 7) * 1000).toString('hex') : undefined;
      const req = http.request({ host: '127.0.0.1', port, agent, method: post ? 'POST' : 'GET', path: post ? '/echo' : `/info?i=${i}`, headers: body ? { 'content-type': 'text/plain' } : {} }, (res) => {
        let data = '';
        res.setEncoding('utf8').on('data', (d: string) => (data += d));
        res.on('end', () => {
          if (res.statusCode !== 200) failures.push(`${post ? 'POST' : 'GET'} -> ${res.statusCode} ${data.slice(0, 200)}`);
          else if (post && data !== body) failures.push('POST echoed a different body');
          else {
            pidsSeen.add(post ? Number(res.headers['x-pid']) : (JSON.parse(data) as { pid: number }).pid);
            counts[post ? 'post' : 'get']++;
          }
          resolve();
        });
      });
      req.setTimeout(15_000, () => req.destroy(new Error('timed out')));
      req.on('error', (err) => {
        failures.push(`${post ? 'POST' : 'GET'} -> ${err.message}`);
        resolve();
      });
      req.end(body);
    });
  const loopsDone = Array.from({ length: loops }, async (_, l) => {
    for (let i = l; running && i < maxPerLoop * loops && Date.now() < deadline; i += loops) await one(i);
  });
  return {
    pidsSeen,
    failures,
    counts,
    async stop() {
      running = false;
      await Promise.all(loopsDone);
      agent.destroy();
    },
  };
}

async function startInstance(port: number): Promise<Narwhal & { workerPid: number }> {
  const n = new Narwhal([APP, ...NARWHAL_ARGS, '--bind', `127.0.0.1:${port}`, '--log-level', 'debug']);
  const [pid] = await waitFor(`a ready worker in:\n${n.output}`, () => (n.readyPids().length > 0 ? n.readyPids() : n.exit ? Promise.reject(new Error(n.output)) : undefined), 20_000);
  return Object.assign(n, { workerPid: pid! });
}

describe('nginx balancing two Narwhal instances', { skip: SKIP }, async () => {
  if (SKIP) return;
  const ports = [await freePort(), await freePort()];
  const instances = [await startInstance(ports[0]!), await startInstance(ports[1]!)];
  const nginx = await startNginx(ports.map((p) => `127.0.0.1:${p}`));
  after(async () => {
    await nginx.stop();
    await Promise.all(instances.map((i) => i.stop('SIGKILL')));
  });

  test('a rolling restart (TERM, start again, one after the other) under load fails no request, POSTs included', async () => {
    const load = startLoad(nginx.port, 4);
    try {
      await waitFor('both instances serving', () => instances.every((i) => load.pidsSeen.has(i.workerPid)) || load.failures.length > 0, 15_000);
      for (const k of [0, 1]) {
        const before = load.counts.post;
        const exit = await instances[k]!.stop('SIGTERM', 20_000);
        assert.equal(exit.code, 0, instances[k]!.output);
        instances[k] = await startInstance(ports[k]!);
        await waitFor(`the restarted instance ${k} back in rotation`, () => load.pidsSeen.has(instances[k]!.workerPid) || load.failures.length > 5, 15_000);
        assert.ok(load.counts.post > before, 'POSTs went through while the instance restarted');
      }
    } finally {
      await load.stop();
    }
    assert.deepEqual(load.failures.slice(0, 10), [], `${load.failures.length} of ${load.counts.get + load.counts.post + load.failures.length} requests failed; nginx error log:\n${nginx.errorLog().split('\n').filter((l) => /\[(error|warn)\]/.test(l)).slice(0, 10).join('\n')}`);
    assert.ok(load.counts.post > 100 && load.counts.get > 100, `load ran: ${JSON.stringify(load.counts)}`);
  });
});
