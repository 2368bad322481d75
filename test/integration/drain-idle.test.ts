// How a draining worker treats idle connections: not cut at once (a request a
// proxy is sending on one right now is still served, with Connection: close),
// but closed after the keep-alive time, so a connection that never sends
// anything does not hold the stop until --graceful-timeout.

import assert from 'node:assert/strict';
import http from 'node:http';
import net from 'node:net';
import path from 'node:path';
import { test } from 'node:test';
import { FIXTURES, startServer } from '../helpers/narwhal.js';
import { request } from '../helpers/http.js';

test('idle connections get the keep-alive time to bring a request, then close; silent ones do not hold the stop', async () => {
  const server = await startServer([path.join(FIXTURES, 'hello.ts'), '--keep-alive', '3', '--graceful-timeout', '30']);
  try {
    const silent = net.connect(server.port, '127.0.0.1');
    await new Promise((resolve) => silent.once('connect', resolve));
    const silentClosed = new Promise((resolve) => silent.once('close', resolve));
    silent.on('error', () => {});
    const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
    assert.equal((await request(`${server.url}/before`, { agent })).status, 200);

    const stopAsked = Date.now();
    server.signal('SIGTERM');
    await server.waitForLog(/Worker exiting/);
    // The kept-alive connection is still open: a request on it is served, and told to close.
    const late = await request(`${server.url}/late`, { agent });
    assert.equal(late.status, 200);
    assert.match(late.body, /\/late/);
    assert.equal(late.headers['connection'], 'close');
    agent.destroy();

    await silentClosed;
    const exit = await server.exited;
    const took = Date.now() - stopAsked;
    assert.equal(exit.code, 0);
    assert.ok(took < 15_000, `stopping took ${took} ms: the silent connection held the drain towards --graceful-timeout (30 s)`);
    assert.doesNotMatch(server.output, /did not stop within the graceful timeout/);
  } finally {
    await server.stop('SIGKILL');
  }
});
