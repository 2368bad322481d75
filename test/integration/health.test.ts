// --health-path through a real worker: answered without the app, 200 while
// serving, 503 with Connection: close once the worker drains (seen on a
// kept-alive connection, as a balancer would see it). For both contracts, on
// node:http (native parser) and on the strict parser's paths.

import assert from 'node:assert/strict';
import http from 'node:http';
import path from 'node:path';
import { after, describe, test } from 'node:test';
import { FIXTURES, startServer } from '../helpers/narwhal.js';
import { request } from '../helpers/http.js';

const VARIANTS = [
  { name: 'fetch-style, default parser (served without node:http)', app: 'forwarded.ts', flags: [] },
  { name: 'fetch-style on node:http (--http-parser native)', app: 'forwarded.ts', flags: ['--http-parser', 'native'] },
  { name: 'node-style, node:http reading natively (--http-parser native)', app: 'health-node.mjs', flags: ['--http-parser', 'native'] },
  { name: 'node-style, default parser (node:http behind the strict gate)', app: 'health-node.mjs', flags: [] },
];

for (const variant of VARIANTS)
describe(`--health-path, ${variant.name}`, async () => {
  const server = await startServer([path.join(FIXTURES, variant.app), '--health-path', '/healthz', '--keep-alive', '10', ...variant.flags]);
  after(() => server.stop('SIGKILL'));

  test('the worker answers it, not the app; other paths reach the app', async () => {
    const ok = await request(`${server.url}/healthz`);
    assert.equal(ok.status, 200);
    assert.equal(ok.body, 'OK\n');
    assert.equal(ok.headers['cache-control'], 'no-store');
    assert.equal((await request(`${server.url}/healthz?from=probe`)).status, 200);
    const head = await request(`${server.url}/healthz`, { method: 'HEAD' });
    assert.equal(head.status, 200);
    assert.equal(head.body, '');
    const post = await request(`${server.url}/healthz`, { method: 'POST', body: 'x' });
    assert.equal(post.status, 405);
    assert.equal(post.headers['allow'], 'GET, HEAD');
    const app = await request(`${server.url}/healthzx`);
    assert.equal(JSON.parse(app.body).url, `${server.url}/healthzx`);
  });

  test('503 once draining, while an in-flight request still completes', async () => {
    const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
    after(() => agent.destroy());
    assert.equal((await request(`${server.url}/healthz`, { agent })).status, 200);

    // A request held in flight: its response head arrives once the app has it.
    const held = http.request(`${server.url}/hold`, { method: 'POST', agent: false, headers: { 'transfer-encoding': 'chunked' } });
    held.write('first ');
    const heldResponse = await new Promise<http.IncomingMessage>((resolve, reject) => held.once('response', resolve).once('error', reject));
    let heldBody = '';
    heldResponse.setEncoding('utf8').on('data', (d: string) => (heldBody += d));
    const heldEnd = new Promise((resolve) => heldResponse.once('end', resolve));

    server.signal('SIGTERM');
    await server.waitForLog(/Worker exiting/);
    const draining = await request(`${server.url}/healthz`, { agent });
    assert.equal(draining.status, 503);
    assert.equal(draining.body, 'draining\n');
    assert.equal(draining.headers['connection'], 'close');

    held.end('last');
    await heldEnd;
    assert.equal(heldBody, 'first last');
    const exit = await server.exited;
    assert.equal(exit.code, 0);
  });
});
