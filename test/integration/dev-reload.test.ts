// `narwhal dev` as a developer uses it: edits of a TypeScript app reload it
// under a steady trickle of requests with no failed request, a broken edit
// shows the load error, the fix restores service; banner and warnings.

import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { connect } from 'node:net';
import path from 'node:path';
import { describe, it } from 'node:test';
import { copyDevApp, startDev } from '../helpers/dev.js';
import { request } from '../helpers/http.js';
import { startServer, waitFor } from '../helpers/narwhal.js';

/** Requests one after another until stopped (bounded in count), counting failures. */
function trickle(url: string, maxRequests = 20_000) {
  const failures: string[] = [];
  const bodies = new Set<string>();
  let sent = 0;
  let running = true;
  const done = (async () => {
    while (running && sent < maxRequests) {
      sent++;
      try {
        const r = await request(url, { timeoutMs: 5000 });
        if (r.status !== 200) failures.push(`status ${r.status}: ${r.body.slice(0, 200)}`);
        else bodies.add(r.body.trim());
      } catch (e) {
        failures.push((e as Error).message);
      }
      await new Promise((r) => setTimeout(r, 5));
    }
  })();
  return {
    failures,
    bodies,
    get sent() {
      return sent;
    },
    async stop() {
      running = false;
      await done;
    },
  };
}

const writeMessage = (dir: string, text: string) => writeFileSync(path.join(dir, 'message.ts'), text);

describe('narwhal dev', () => {
  it('reloads 20 edits under a trickle of requests without a failed request', async () => {
    const dir = copyDevApp();
    const server = await startDev(['app.ts'], { cwd: dir });
    assert.match(server.output, /a DEVELOPMENT server\. Do not use it in production/);
    const load = trickle(`${server.url}/`);
    try {
      await waitFor('the first answer', () => load.bodies.has('version 0'));
      for (let i = 1; i <= 20; i++) {
        writeMessage(dir, `export const message: string = 'version ${i}';\n`);
        await waitFor(`version ${i} answering`, () => load.bodies.has(`version ${i}`), 10_000, 5);
      }
    } finally {
      await load.stop();
    }
    assert.deepEqual(load.failures, []);
    assert.ok(load.sent > 40, `only ${load.sent} requests were sent`);
    // One listening socket for the whole run: the master never rebound.
    assert.equal(server.count(/Listening at:/), 1);
    // The new worker answers before the master logs the reload done (it retires the old one first).
    await waitFor('20 reloads logged', () => server.count(/Reload complete/) >= 20);
    assert.equal(server.count(/Reload complete/), 20);
    await server.stop();
  });

  it('serves the load error after a broken edit, then the fix restores service', async () => {
    const dir = copyDevApp();
    const server = await startDev(['app.ts'], { cwd: dir });
    const goodWorker = server.readyPids().at(-1)!;
    writeMessage(dir, "export const message: string = 'broken' +;\n");
    const broken = await waitFor('the load-error page', async () => {
      const r = await request(`${server.url}/`, { headers: { accept: 'text/plain' } });
      return r.status === 500 ? r : undefined;
    });
    assert.match(broken.body, /The app failed to load/);
    assert.match(broken.body, new RegExp(`At ${path.join(dir, 'message.ts').replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}:1:\\d+`));
    assert.match(broken.body, /> 1 \| export const message: string = 'broken' \+;/);
    await server.waitForLog(new RegExp(`Worker ${goodWorker} retired`));
    // The log says so too: no "Reload complete" (nor "Reloaded in") for a generation serving the error page.
    assert.match(server.output, /WARNING\] Reload failed: the app did not load; generation 2 serves the error page/);
    assert.equal(server.count(/Reload complete|Reloaded in/), 0, server.output);
    // JSON for API clients.
    const json = JSON.parse((await request(`${server.url}/`, { headers: { accept: 'application/json' } })).body);
    assert.equal(json.kind, 'load');
    assert.equal(json.location.line, 1);
    // A throw at import is shown the same way, with the app's frame.
    writeMessage(dir, "export const message: string = 'v';\nthrow new RangeError('bad at import');\n");
    const thrown = await waitFor('the import-throw page', async () => {
      const r = await request(`${server.url}/`);
      return r.body.includes('RangeError: bad at import') ? r : undefined;
    });
    assert.equal(thrown.status, 500);
    assert.match(thrown.body, /RangeError: bad at import/);
    assert.match(thrown.body, /message\.ts:2:/);
    assert.equal(server.exit, null, 'the server kept running');
    writeMessage(dir, "export const message: string = 'fixed';\n");
    const fixed = await waitFor('the fixed app', async () => {
      const r = await request(`${server.url}/`);
      return r.status === 200 ? r : undefined;
    });
    assert.equal(fixed.body, 'fixed\n');
    await server.waitForLog(/Reload complete: 1 worker of generation 4 serving/);
    assert.equal(server.count(/Listening at:/), 1);
    await server.stop();
  });

  it('shows an uncaught exception as a debug page in dev, and as a plain 500 in production', async () => {
    const dir = copyDevApp();
    const dev = await startDev(['app.ts'], { cwd: dir });
    const r = await request(`${dev.url}/boom?why=gears`, { headers: { accept: 'text/plain', authorization: 'Bearer hunter2' } });
    assert.equal(r.status, 500);
    assert.match(r.body, /^TypeError at \/boom\?why=gears/);
    assert.match(r.body, /TypeError: the widget broke: gears/);
    assert.match(r.body, new RegExp(`at explode \\(${path.join(dir, 'helpers.ts').replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}:7:\\d+\\)`));
    assert.match(r.body, />\s+7 \|\s+throw new TypeError/);
    assert.match(r.body, /authorization: \*{8}/i);
    assert.doesNotMatch(r.body, /hunter2/);
    const posted = JSON.parse((await request(`${dev.url}/echo`, { method: 'POST', body: 'name=narwhal', headers: { accept: 'application/json', 'content-type': 'application/x-www-form-urlencoded' } })).body);
    assert.equal(posted.request.body.readBytes, 12);
    assert.equal(posted.request.body.preview, 'name=narwhal');
    assert.equal(posted.error.frames.find((f: { app: boolean }) => f.app).file, path.join(dir, 'helpers.ts'));
    await dev.stop();

    const prod = await startServer([path.join(dir, 'app.ts')], { cwd: dir });
    const plain = await request(`${prod.url}/boom?why=gears`, { headers: { accept: 'text/html' } });
    assert.equal(plain.status, 500);
    assert.equal(plain.body, 'Internal Server Error');
    await prod.stop();
  });

  it('watches TypeScript loaded as CommonJS (require), not only ES modules', async () => {
    const dir = copyDevApp();
    writeFileSync(path.join(dir, 'app.cts'), "import text = require('./text.cts');\nexport = function (_req: unknown, res: { end(s: string): void }): void {\n  res.end(`${text.value}\\n`);\n};\n");
    writeFileSync(path.join(dir, 'text.cts'), "export const value: string = 'cjs 0';\n");
    const server = await startDev(['app.cts'], { cwd: dir });
    assert.match(server.output, /Watching 2 files for changes/);
    assert.equal((await request(`${server.url}/`)).body, 'cjs 0\n');
    writeFileSync(path.join(dir, 'text.cts'), "export const value: string = 'cjs 1';\n");
    await waitFor('the edit answering', async () => (await request(`${server.url}/`)).body === 'cjs 1\n');
    await server.stop();
  });

  it('names the file and line of a syntax error in a JavaScript ES module', async () => {
    const dir = copyDevApp();
    writeFileSync(path.join(dir, 'app.mjs'), "import { m } from './m.mjs';\nexport default () => new Response(m);\n");
    writeFileSync(path.join(dir, 'm.mjs'), "export const m = 'ok';\n");
    const server = await startDev(['app.mjs'], { cwd: dir });
    writeFileSync(path.join(dir, 'm.mjs'), "// line 1\nexport const m = 'ok' +;\n");
    const page = await waitFor('the syntax-error page', async () => {
      const r = await request(`${server.url}/`);
      return r.status === 500 ? r : undefined;
    });
    assert.match(page.body, /^SyntaxError: /m);
    assert.ok(page.body.includes(`At ${path.join(dir, 'm.mjs')}:2\n`), page.body);
    assert.match(page.body, /> 2 \| export const m = 'ok' \+;/);
    await server.stop();
  });

  it('retires the old worker promptly even when a client holds an idle, never-used connection to it', async () => {
    const dir = copyDevApp();
    const server = await startDev(['--graceful-timeout', '20', 'app.ts'], { cwd: dir });
    const old = server.readyPids().at(-1)!;
    // A browser's preconnect: a connection that sends nothing (it lands on the only worker).
    const socket = connect(Number(new URL(server.url).port), '127.0.0.1');
    await new Promise((r) => socket.once('connect', r));
    try {
      writeMessage(dir, "export const message: string = 'next';\n");
      await server.waitForLog(new RegExp(`Worker ${old} retired`), 5000);
    } finally {
      socket.destroy();
    }
    await server.stop();
  });

  it('watches a module the app imports lazily, once it has loaded', async () => {
    const dir = copyDevApp();
    const server = await startDev(['app.ts'], { cwd: dir });
    assert.match(server.output, /Watching 3 files for changes/);
    assert.equal((await request(`${server.url}/lazy`)).body, 'lazy 0\n');
    await server.waitForLog(/Watching 4 files for changes/);
    writeFileSync(path.join(dir, 'lazy.ts'), "export const lazy: string = 'lazy 1';\n");
    await waitFor('the lazy edit answering', async () => (await request(`${server.url}/lazy`)).body === 'lazy 1\n');
    await server.stop();
  });

  it('serves --static files in dev and in production', async () => {
    const dir = copyDevApp();
    const dev = await startDev(['--static', '/static=public', 'app.ts'], { cwd: dir });
    const r = await request(`${dev.url}/static/hello.txt`);
    assert.equal(r.status, 200);
    assert.equal(r.body, 'hello static\n');
    assert.equal(r.headers['content-type'], 'text/plain; charset=utf-8');
    assert.equal((await request(`${dev.url}/static/hello.txt`, { headers: { 'if-none-match': r.headers.etag! } })).status, 304);
    assert.equal((await request(`${dev.url}/`)).body, 'version 0\n');
    await dev.stop();
    const prod = await startServer(['--static', '/static=public', 'app.ts'], { cwd: dir });
    const p = await request(`${prod.url}/static/hello.txt`);
    assert.equal(p.body, 'hello static\n');
    assert.equal(p.headers['cache-control'], 'no-cache');
    assert.equal((await request(`${prod.url}/`)).body, 'version 0\n');
    await prod.stop();
  });

  it('warns when bound to 0.0.0.0 and when NODE_ENV is production', async () => {
    const dir = copyDevApp();
    const server = await startDev(['--bind', '0.0.0.0:0', 'app.ts'], { cwd: dir, env: { NODE_ENV: 'production' } });
    assert.match(server.output, /WARNING\] The dev server is bound to 0\.0\.0\.0:0/);
    assert.match(server.output, /WARNING\] NODE_ENV=production with the dev server/);
    await server.stop();
  });

  it('reloads on --reload-extra-file and on the config file, and the production command takes --reload', async () => {
    const dir = copyDevApp();
    writeFileSync(path.join(dir, 'data.json'), '{}\n');
    writeFileSync(path.join(dir, 'narwhal.config.ts'), 'export default { keepalive: 2 };\n');
    const server = await startServer(['--reload', '--reload-extra-file', 'data.json', 'app.ts'], { cwd: dir });
    await server.waitForLog(/Watching \d+ files for changes/);
    assert.doesNotMatch(server.output, /DEVELOPMENT server/);
    writeFileSync(path.join(dir, 'data.json'), '{"a":1}\n');
    await server.waitForLog(/Changed: data\.json; reloading/);
    await waitFor('the first reload', () => server.count(/Reload complete/) === 1);
    writeFileSync(path.join(dir, 'narwhal.config.ts'), 'export default { keepalive: 3 };\n');
    await server.waitForLog(/Changed: narwhal\.config\.ts; reloading/);
    await waitFor('the second reload', () => server.count(/Reload complete/) === 2);
    // Without --debug a broken edit rolls back: the old worker keeps serving.
    writeMessage(dir, "export const message: string = 'broken' +;\n");
    await server.waitForLog(/Reload failed/);
    assert.equal((await request(`${server.url}/`)).body, 'version 0\n');
    await server.stop();
  });
});

