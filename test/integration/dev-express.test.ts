// An exported Express app in `narwhal dev`: the errors its routes throw, reject
// or hand to next() reach Narwhal's debug page with the app's own frame, while
// `narwhal APP` (production) leaves them to Express's finalhandler. Real processes.

import assert from 'node:assert/strict';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { startDev, type DevServer } from '../helpers/dev.js';
import { request } from '../helpers/http.js';
import { FIXTURES, startServer, type Server } from '../helpers/narwhal.js';

const APP = path.join(FIXTURES, 'express-errors.mjs');
const DEBUG_FOOTER = /You see this page because narwhal runs with --debug/;

interface Report {
  title: string;
  error: { type: string; message: string; frames: { file: string; line: number; app: boolean; context: unknown; locals?: [string, string][] }[] };
}

describe('an Express app in narwhal dev', () => {
  let dev: DevServer;
  before(async () => {
    dev = await startDev([APP], { cwd: FIXTURES });
    // The inspector session starts shortly after the worker is ready (a reload does not wait for it).
    await dev.waitForLog(/reads local variables for the debug page/);
  });
  after(async () => {
    await dev?.stop();
  });

  // The local variables are read by the inspector at a throw; next(err) throws nothing, so it has none.
  const cases = [
    ['/sync?why=gears', 'TypeError', 'sync route broke: gears (widget 7)', 11, [['req', 'IncomingMessage'], ['reason', '"gears"'], ['widget', 'Object']]],
    ['/async', 'RangeError', 'async route broke after 3 attempts', 16, [['attempts', 'Array(3)']]],
    ['/next', 'Error', 'handed to next', 19, undefined],
  ] as const;
  for (const [route, type, message, line, locals] of cases) {
    it(`${route}: the debug page, with the route's frame at express-errors.mjs:${line} and its locals`, async () => {
      const r = await request(`${dev.url}${route}`, { headers: { accept: 'application/json' } });
      assert.equal(r.status, 500);
      const report = JSON.parse(r.body) as Report;
      assert.equal(report.title, `${type} at ${route}`);
      assert.equal(report.error.message, message);
      const own = report.error.frames.find((f) => f.app);
      assert.equal(own?.file, APP);
      assert.equal(own?.line, line);
      assert.ok(own?.context, 'the frame has its code context');
      assert.deepEqual(own?.locals, locals);
      await dev.waitForLog(new RegExp(`Error handling request GET ${route.replace('?', '\\?')}[\\s\\S]*${message.replace(/[()]/g, '\\$&')}`));
    });
  }

  it('a browser gets the HTML page; a body parser\'s 400 keeps its status; no route is Express\'s 404', async () => {
    const html = await request(`${dev.url}/sync`, { headers: { accept: 'text/html' } });
    assert.equal(html.status, 500);
    assert.match(html.body, /<title>TypeError at \/sync<\/title>/);
    assert.match(html.body, /id="summary"/);
    const bad = await request(`${dev.url}/json`, { method: 'POST', body: '{"a":', headers: { 'content-type': 'application/json' } });
    assert.equal(bad.status, 400);
    assert.match(bad.body, /^SyntaxError at \/json\n/);
    assert.match(bad.body, DEBUG_FOOTER);
    const missing = await request(`${dev.url}/nope?x=1`);
    assert.equal(missing.status, 404);
    assert.match(missing.body, /<pre>Cannot GET \/nope<\/pre>/);
    const ok = await request(`${dev.url}/ok`);
    assert.equal(ok.status, 200);
    assert.equal(ok.body, 'ok');
    // Only the app's own file is watched (node_modules never is), said in the singular.
    assert.match(dev.output, /Watching 1 file for changes/);
    assert.doesNotMatch(dev.output, /Watching 1 files/);
  });
});

describe('an Express script that calls app.listen() itself', () => {
  const LISTEN = path.join(FIXTURES, 'listen-express-errors.mjs');

  it('in dev: the debug page with the route\'s frame and locals; in production: Express\'s 500', async () => {
    const dev = await startDev([LISTEN], { cwd: FIXTURES });
    try {
      await dev.waitForLog(/reads local variables for the debug page/);
      const r = await request(`${dev.url}/sync?why=cogs`, { headers: { accept: 'application/json' } });
      assert.equal(r.status, 500);
      const report = JSON.parse(r.body) as Report;
      assert.equal(report.error.message, 'listen route broke: cogs');
      const own = report.error.frames.find((f) => f.app);
      assert.equal(own?.file, LISTEN);
      assert.equal(own?.line, 9);
      assert.deepEqual(own?.locals, [['req', 'IncomingMessage'], ['reason', '"cogs"']]);
      const missing = await request(`${dev.url}/nope`);
      assert.equal(missing.status, 404);
      assert.match(missing.body, /<pre>Cannot GET \/nope<\/pre>/);
      assert.equal((await request(`${dev.url}/ok`)).body, 'ok');
    } finally {
      await dev.stop();
    }
    const prod = await startServer([LISTEN], { cwd: FIXTURES, env: { NODE_ENV: 'production' } });
    try {
      const r = await request(`${prod.url}/sync`, { headers: { accept: 'text/html' } });
      assert.equal(r.status, 500);
      assert.match(r.body, /<pre>Internal Server Error<\/pre>/);
      assert.doesNotMatch(r.body, DEBUG_FOOTER);
    } finally {
      await prod.stop();
    }
  });
});

describe('the same Express app in production', () => {
  let prod: Server;
  before(async () => {
    prod = await startServer([APP], { cwd: FIXTURES, env: { NODE_ENV: 'production' } });
  });
  after(async () => {
    await prod?.stop();
  });

  it("Express's own finalhandler answers, never the debug page", async () => {
    for (const route of ['/sync', '/async', '/next']) {
      const r = await request(`${prod.url}${route}`, { headers: { accept: 'text/html' } });
      assert.equal(r.status, 500, route);
      assert.match(r.body, /<pre>Internal Server Error<\/pre>/, route);
      assert.doesNotMatch(r.body, DEBUG_FOOTER, route);
    }
    const bad = await request(`${prod.url}/json`, { method: 'POST', body: '{"a":', headers: { 'content-type': 'application/json' } });
    assert.equal(bad.status, 400);
    assert.match(bad.body, /<pre>Bad Request<\/pre>/);
  });
});
