// WebSocket upgrades through a real worker with the `ws` package on both
// sides: both app contracts, over ws:// and wss://; a draining worker (TERM or
// HUP) closing open sockets with 1001 within the graceful timeout; and an app
// without an upgrade handler getting upgrade requests as plain ones.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import WebSocket from 'ws';
import { makeCerts } from '../helpers/certs.js';
import { request } from '../helpers/http.js';
import { httpsRequest } from '../helpers/https.js';
import { exchange } from '../helpers/raw-http.js';
import { FIXTURES, startServer, waitFor } from '../helpers/narwhal.js';

const NODE_APP = path.join(FIXTURES, 'edge-node.mjs');
const FETCH_APP = path.join(FIXTURES, 'edge-fetch.mjs');

interface Client {
  readonly ws: WebSocket;
  /** Resolves with the close code and reason the server sent. */
  readonly closed: Promise<{ code: number; reason: string }>;
  send(text: string): Promise<string>;
}

function open(url: string, options: WebSocket.ClientOptions = {}): Promise<Client> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url, { handshakeTimeout: 10_000, ...options });
    const closed = new Promise<{ code: number; reason: string }>((r) => ws.once('close', (code, reason) => r({ code, reason: reason.toString() })));
    ws.once('error', reject);
    ws.once('open', () =>
      resolve({
        ws,
        closed,
        send: (text) =>
          new Promise((r, j) => {
            ws.once('message', (data) => r(data.toString()));
            ws.send(text, (err) => err && j(err));
          }),
      }),
    );
  });
}

test('both contracts take WebSocket upgrades, over ws:// and wss://', async () => {
  const certs = makeCerts();
  const servers = await Promise.all([
    startServer([NODE_APP]),
    startServer([FETCH_APP]),
    startServer([FETCH_APP, '--certfile', certs.serverCert, '--keyfile', certs.serverKey]),
  ]);
  try {
    for (const server of servers) {
      const client = await open(server.url.replace(/^http/, 'ws') + '/chat', { ca: certs.read(certs.caCert) });
      assert.match(await client.send('hello'), /^\d+ hello$/);
      assert.match(await client.send('again'), /^\d+ again$/);
      client.ws.close(1000);
      assert.equal((await client.closed).code, 1000);
      // Plain requests still work beside upgrades.
      const plain = server.url.startsWith('https') ? await httpsRequest(`${server.url}/p`, { ca: certs.read(certs.caCert) }) : await request(`${server.url}/p`);
      assert.equal(plain.status, 200);
    }
  } finally {
    await Promise.all(servers.map((s) => s.stop()));
  }
});

test('TERM: a draining worker closes open WebSockets with 1001, then exits well within the graceful timeout', async () => {
  for (const app of [NODE_APP, FETCH_APP]) {
    // --keep-alive 0 closes idle HTTP connections at once on drain; upgraded ones are the app's to close.
    const server = await startServer([app, '--graceful-timeout', '20', ...(app === FETCH_APP ? ['--keep-alive', '0'] : [])]);
    const clients = await Promise.all([1, 2].map(() => open(server.url.replace(/^http/, 'ws'))));
    for (const c of clients) assert.match(await c.send('x'), /x$/);
    const started = Date.now();
    server.signal('SIGTERM');
    for (const c of clients) assert.deepEqual(await c.closed, { code: 1001, reason: 'server going away' });
    const exit = await server.exited;
    assert.equal(exit.code, 0);
    assert.ok(Date.now() - started < 10_000, 'exited long before the graceful timeout');
    assert.match(server.output, /draining: \d+ connections, 0 requests in flight, 2 upgraded/);
  }
});

test('HUP: the old worker closes its WebSockets with 1001; new ones reach the new worker', async () => {
  const server = await startServer([NODE_APP, '--graceful-timeout', '20']);
  try {
    const client = await open(server.url.replace(/^http/, 'ws'));
    const oldPid = (await client.send('x')).split(' ')[0];
    server.signal('SIGHUP');
    assert.equal((await client.closed).code, 1001);
    await server.waitForLog(/Reload complete/);
    const next = await open(server.url.replace(/^http/, 'ws'));
    const newPid = (await next.send('y')).split(' ')[0];
    assert.notEqual(newPid, oldPid);
    await waitFor('the old worker to exit', () => new RegExp(`Worker ${oldPid} retired`).test(server.output));
    next.ws.close();
  } finally {
    await server.stop();
  }
});

test('without an upgrade handler an upgrade request is a plain request that closes the connection', async () => {
  const server = await startServer([path.join(FIXTURES, 'node-hello.mjs')]);
  try {
    const head = 'GET /ws HTTP/1.1\r\nHost: a\r\nConnection: Upgrade\r\nUpgrade: websocket\r\nSec-WebSocket-Version: 13\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n\r\n';
    // Bytes after it are not HTTP: a request hidden there is never served.
    const r = await exchange(server.port, Buffer.from(`${head}GET /hidden HTTP/1.1\r\nHost: a\r\n\r\n`));
    const text = r.data.toString('latin1');
    assert.ok(r.closed);
    assert.equal(text.match(/HTTP\/1\.1 \d{3}/g)?.length, 1, text);
    assert.match(text, /^HTTP\/1\.1 200 /);
    assert.match(text, /\r\nConnection: close\r\n/i);
  } finally {
    await server.stop();
  }
});

test('an upgrade handler that throws or rejects: its stack is logged and the client gets a 500', async () => {
  const server = await startServer([path.join(FIXTURES, 'upgrade-throws.mjs')]);
  try {
    for (const [p, message] of [['/sync', 'upgrade blew up'], ['/async', 'upgrade rejected']] as const) {
      const r = await exchange(server.port, Buffer.from(`GET ${p} HTTP/1.1\r\nHost: a\r\nConnection: Upgrade\r\nUpgrade: websocket\r\n\r\n`));
      assert.match(r.data.toString('latin1'), /^HTTP\/1\.1 500 Internal Server Error\r\n/);
      assert.ok(r.closed);
      await server.waitForLog(new RegExp(`Error handling upgrade GET ${p}[^]*Error: ${message}\\n\\s+at `));
    }
    assert.equal((await request(`${server.url}/`)).body, 'plain');
  } finally {
    await server.stop();
  }
});
