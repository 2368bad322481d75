// Real frameworks served by Narwhal, straight from examples/.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { startServer } from '../helpers/narwhal.js';
import { request } from '../helpers/http.js';

const json = { 'content-type': 'application/json' };

describe('frameworks from examples/', () => {
  test('Express (node-style): routes and a JSON body', async () => {
    const s = await startServer(['examples/express/app.ts']);
    assert.match((await request(s.url)).body, /^Hello from Express in worker \d+/);
    const r = await request(`${s.url}/echo`, { method: 'POST', headers: json, body: '{"a":[1,2]}' });
    assert.deepEqual(JSON.parse(r.body), { received: { a: [1, 2] } });
    await s.stop();
  });

  test('Koa (app.callback())', async () => {
    const s = await startServer(['examples/koa/app.ts']);
    assert.deepEqual(JSON.parse((await request(`${s.url}/some/path`, { method: 'DELETE' })).body), { framework: 'koa', path: '/some/path', method: 'DELETE' });
    await s.stop();
  });

  test('Hono (fetch-style): params, headers and a JSON body', async () => {
    const s = await startServer(['examples/hono/app.ts']);
    assert.match((await request(s.url)).body, /^Hello from Hono/);
    const u = await request(`${s.url}/users/42`, { headers: { 'user-agent': 'narwhal-test' } });
    assert.deepEqual(JSON.parse(u.body), { id: '42', agent: 'narwhal-test' });
    const e = await request(`${s.url}/echo`, { method: 'POST', headers: json, body: '{"ok":true}' });
    assert.deepEqual(JSON.parse(e.body), { received: { ok: true } });
    await s.stop();
  });

  test('Fastify through serverFactory and a factory app name', async () => {
    const s = await startServer(['examples/fastify/app.ts:create()']);
    const r = await request(s.url);
    assert.equal(JSON.parse(r.body).framework, 'fastify');
    const e = await request(`${s.url}/echo`, { method: 'POST', headers: json, body: '{"n":1}' });
    assert.deepEqual(JSON.parse(e.body), { received: { n: 1 } });
    await s.stop();
  });
});
