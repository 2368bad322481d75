// Slow and heavy clients against one worker, on the strict parser (the
// fetch-style app served without node:http) and node:http's native parser
// (node-style): a few hundred connections trickling a head a byte a second
// do not delay another client's answers and are closed at --header-timeout;
// hundreds of idle keep-alive connections are closed at --keep-alive; huge
// heads, lines and bodies are refused or streamed; the worker's RSS (from
// /proc) stays bounded throughout. Loads are bounded and every socket is closed.

import assert from 'node:assert/strict';
import http from 'node:http';
import net from 'node:net';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { FIXTURES, startServer } from '../../helpers/narwhal.js';
import { APPS, exchangeOver, responses, rss, type Server } from './harness.js';

const SLOW = 300;
const IDLE = 500;
const MIB = 1024 * 1024;

function open(port: number, n: number): Promise<net.Socket[]> {
  return Promise.all(Array.from({ length: n }, () => new Promise<net.Socket>((resolve, reject) => {
    const s = net.connect(port, '127.0.0.1', () => resolve(s));
    s.on('error', reject);
  })));
}

/** Resolves when every socket has been closed by the server. */
function allClosed(sockets: net.Socket[]): Promise<void> {
  return Promise.all(sockets.map((s) => (s.destroyed || s.readableEnded ? Promise.resolve() : new Promise<void>((r) => { s.once('close', () => r()); s.once('end', () => r()); })))).then(() => undefined);
}

function get(port: number, agent: http.Agent): Promise<number> {
  return new Promise((resolve, reject) => {
    http.get({ host: '127.0.0.1', port, path: '/other', agent }, (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode!));
    }).on('error', reject);
  });
}

const CASES = [
  { kind: 'fetch', parser: 'strict' },
  { kind: 'node', parser: 'native' },
] as const;

for (const { kind, parser } of CASES) {
  describe(`slow clients, ${kind}-style, --http-parser ${parser}`, () => {
    let server: Server;
    let worker: number;
    before(async () => {
      server = await startServer([APPS[kind], '-w', '1', '--http-parser', parser, '--header-timeout', '3', '--keep-alive', '2']);
      worker = server.bootedPids()[0]!;
    });
    after(() => server.stop());

    test(`slowloris: ${SLOW} connections trickling a head a byte a second do not delay another client, and are closed at --header-timeout`, async () => {
      const before = rss(worker);
      const started = Date.now();
      const slow = await open(server.port, SLOW);
      const head = 'GET /slow HTTP/1.1\r\nHost: h\r\nX-Slow: ';
      let sent = 0;
      const trickle = setInterval(() => {
        for (const s of slow) if (!s.destroyed) s.write(head[sent % head.length]!);
        sent++;
      }, 1000);
      const agent = new http.Agent({ keepAlive: false });
      try {
        for (const s of slow) s.write(head[0]!);
        const closed = allClosed(slow);
        let closedAt = 0;
        void closed.then(() => (closedAt = Date.now()));
        // Ten requests from another client, one after another, all answered while every slow head is still open.
        for (let i = 0; i < 10; i++) assert.equal(await get(server.port, agent), 200);
        assert.equal(closedAt, 0, 'the other client was answered before the header timeout closed the slow ones');
        assert.ok(slow.every((s) => !s.destroyed && !s.readableEnded));
        await closed;
        const ms = Date.now() - started;
        assert.ok(ms >= 2500 && ms < 15_000, `closed after ${ms} ms (header timeout 3 s)`);
        const grown = rss(worker) - before;
        assert.ok(grown < 64 * MIB, `worker RSS grew ${(grown / MIB).toFixed(1)} MiB`);
      } finally {
        clearInterval(trickle);
        agent.destroy();
        for (const s of slow) s.destroy();
      }
    });

    test(`idle flood: ${IDLE} idle keep-alive connections cost little memory and are closed at --keep-alive`, async (t) => {
      const before = rss(worker);
      const idle = await open(server.port, IDLE);
      try {
        // One request each, answered; then they sit idle, kept alive.
        const answered = idle.map((s) => new Promise<void>((resolve) => s.once('data', () => resolve())));
        for (const s of idle) s.write('GET /idle HTTP/1.1\r\nHost: h\r\n\r\n');
        await Promise.all(answered);
        const grown = rss(worker) - before;
        t.diagnostic(`worker RSS grew ${(grown / MIB).toFixed(1)} MiB for ${IDLE} idle keep-alive connections: ${(grown / IDLE / 1024).toFixed(1)} KiB each`);
        assert.ok(grown < 64 * MIB, `worker RSS grew ${(grown / MIB).toFixed(1)} MiB`);
        const started = Date.now();
        await allClosed(idle);
        assert.ok(Date.now() - started < 15_000);
        assert.ok(idle.every((s) => s.readableEnded || s.destroyed));
      } finally {
        for (const s of idle) s.destroy();
      }
    });
  });
}

for (const { kind, parser } of CASES) {
  describe(`oversized input, ${kind}-style, --http-parser ${parser}`, () => {
    let server: Server;
    let worker: number;
    before(async () => {
      server = await startServer([path.join(FIXTURES, `body-outcome-${kind}.mjs`), '-w', '1', '--http-parser', parser]);
      worker = server.bootedPids()[0]!;
    });
    after(() => server.stop());

    test('a 1 MiB head: 431; a 40 KB head of small fields: 431 (--limit-request-head); a 64 KiB request line: 414 or 400; both closed at once; RSS bounded', async () => {
      const before = rss(worker);
      const fields = Array.from({ length: 2000 }, (_, i) => `X-F${i}: ${'v'.repeat(500)}\r\n`).join('');
      const big = await exchangeOver(server.port, Buffer.from(`GET / HTTP/1.1\r\nHost: h\r\n${fields}\r\n`), { deadlineMs: 10_000 });
      assert.ok(big.closed);
      assert.deepEqual(responses(big.data).list.map((r) => r.status), [431], big.data.toString('latin1').slice(0, 200));
      // 20 fields of 2 KB: each field and the count within their limits, the head past the total (32 KiB by default).
      const wide = Array.from({ length: 20 }, (_, i) => `X-W${i}: ${'w'.repeat(2000)}\r\n`).join('');
      const total = await exchangeOver(server.port, Buffer.from(`GET / HTTP/1.1\r\nHost: h\r\n${wide}\r\n`), { deadlineMs: 10_000 });
      assert.ok(total.closed);
      assert.deepEqual(responses(total.data).list.map((r) => r.status), [431], total.data.toString('latin1').slice(0, 200));
      const line = await exchangeOver(server.port, Buffer.from(`GET /${'a'.repeat(64 * 1024)} HTTP/1.1\r\nHost: h\r\n\r\n`), { deadlineMs: 10_000 });
      assert.ok(line.closed);
      const status = responses(line.data).list.map((r) => r.status)[0];
      assert.ok(status === 414 || status === 400 || status === 431, `status ${status}`);
      const grown = rss(worker) - before;
      assert.ok(grown < 32 * MIB, `worker RSS grew ${(grown / MIB).toFixed(1)} MiB`);
    });

    test('a 256 MiB body streamed through: read to its end, never held whole (worker RSS grows by less than half the body)', async () => {
      const before = rss(worker);
      let peak = 0;
      const sampler = setInterval(() => (peak = Math.max(peak, rss(worker))), 50);
      try {
        const size = 256 * MIB;
        const status = await new Promise<string>((resolve, reject) => {
          const req = http.request({ host: '127.0.0.1', port: server.port, method: 'POST', path: '/huge', headers: { 'content-length': size } }, (res) => {
            let text = '';
            res.on('data', (c: Buffer) => (text += c));
            res.on('end', () => resolve(`${res.statusCode} ${text.trim()}`));
          });
          req.on('error', reject);
          const piece = Buffer.alloc(MIB, 'z');
          let sent = 0;
          const more = () => {
            while (sent < size) {
              sent += piece.length;
              if (!req.write(piece)) return void req.once('drain', more);
            }
            req.end();
          };
          more();
        });
        assert.equal(status, `200 complete ${256 * MIB}`);
        const grown = peak - before;
        // Node 24 holds more in flight than Node 20 (about 80 MiB against 40); half the body is the bound that says it was never held whole.
        assert.ok(grown < 128 * MIB, `worker RSS peaked ${(grown / MIB).toFixed(1)} MiB above its start`);
      } finally {
        clearInterval(sampler);
      }
    });
  });
}
