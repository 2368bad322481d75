// Naming and loading the app: module:attr, factories, both contracts, and the
// failures that must stop a fresh start with exit code 4 and one clear line.
import assert from 'node:assert/strict';
import path from 'node:path';
import { describe, test } from 'node:test';
import { FIXTURES, runNarwhal, startServer } from '../helpers/narwhal.js';
import { request } from '../helpers/http.js';

const app = (name: string) => path.join(FIXTURES, name);

describe('loading the app', () => {
  test('an app that throws at import: exit 4 within seconds, one line naming it, then its own stack', async () => {
    const started = Date.now();
    const r = await runNarwhal([app('crash-on-boot.ts'), '--bind', '127.0.0.1:0', '--workers', '2']);
    assert.equal(r.code, 4, r.output);
    assert.ok(Date.now() - started < 10_000, 'exits within seconds');
    assert.match(r.output, /\[ERROR\] failed to import the app .*crash-on-boot\.ts:default: Error: database is unreachable \(fixture\)/);
    // The stack points at the app's own TypeScript line.
    assert.match(r.output, /crash-on-boot\.ts:3/);
    assert.match(r.output, /Reason: App failed to load\./);
    assert.equal((r.output.match(/failed to import the app/g) ?? []).length, 1, 'said once, not once per worker');
  });

  test('a syntax error, a missing export, a missing module, a non-app: each exits 4 with one line', async () => {
    const cases: [string, RegExp][] = [
      [app('syntax-error.ts'), /failed to import the app .*syntax-error\.ts/],
      [`${app('hello.ts')}:nope`, /hello\.ts has no export "nope" \(its exports: default\)/],
      [app('missing-module.ts'), /cannot find the app module ".*missing-module\.ts"/],
      [app('not-an-app.mjs'), /not-an-app\.mjs:default is a number, not an app/],
      [`${app('factory.ts')}:create(oops)`, /factory arguments must be literals/],
    ];
    for (const [spec, re] of cases) {
      const r = await runNarwhal([spec, '--bind', '127.0.0.1:0']);
      assert.equal(r.code, 4, `${spec}: ${r.output}`);
      assert.match(r.output, re);
    }
  });

  test('a worker that dies or hangs before it is ready halts a fresh start with exit 3, no respawn loop', async () => {
    const died = await runNarwhal([app('exit-on-boot.ts'), '--bind', '127.0.0.1:0']);
    assert.equal(died.code, 3, died.output);
    assert.match(died.output, /exited with code 7 before it was ready/);
    assert.match(died.output, /Reason: Worker failed to boot\./);
    assert.equal((died.output.match(/Booting worker/g) ?? []).length, 1);
    const hung = await runNarwhal([app('block-on-boot.ts'), '--bind', '127.0.0.1:0', '--timeout', '1']);
    assert.equal(hung.code, 3, hung.output);
    assert.match(hung.output, /killed after --timeout 1 s without a heartbeat/);
  });

  test('a factory is called with its literal arguments', async () => {
    const s = await startServer([`${app('factory.ts')}:create("hi", 3)`]);
    assert.equal((await request(s.url)).body, 'hi hi hi');
    assert.equal((await s.stop()).code, 0);
  });

  test('a node-style listener gets Node\'s own req and res', async () => {
    const s = await startServer([app('node-hello.mjs')]);
    const r = await request(`${s.url}/x?y=1`);
    assert.equal(r.status, 200);
    assert.match(r.body, /^node hello \d+ \/x\?y=1$/);
    await s.stop();
  });

  test('a CommonJS module exporting the app by name', async () => {
    const s = await startServer([`${app('cjs-app.cjs')}:app`]);
    assert.equal((await request(s.url, { method: 'POST', body: 'x' })).body, 'cjs POST');
    await s.stop();
  });

  test('a TypeScript app in a package without "type": "module" (loaded as CommonJS)', async () => {
    const dir = path.join(FIXTURES, '../cjs-package');
    for (const [spec, body] of [['app.ts', 'default from a CommonJS package'], ['app.ts:named', 'named from a CommonJS package']]) {
      const s = await startServer([path.join(dir, spec)]);
      assert.equal((await request(s.url)).body, body);
      await s.stop();
    }
  });

  test('--interface node on a fetch object is refused with exit 4', async () => {
    const r = await runNarwhal([app('hello.ts'), '--interface', 'node', '--bind', '127.0.0.1:0']);
    assert.equal(r.code, 4);
    assert.match(r.output, /not an app.*--interface node/);
  });

  test('with no app, a welcome page says how to point narwhal at one', async () => {
    const s = await startServer([]);
    const r = await request(s.url);
    assert.equal(r.status, 200);
    assert.match(r.headers['content-type'] ?? '', /text\/html/);
    assert.match(r.body, /Narwhal is running/);
    assert.match(r.body, /narwhal src\/app\.ts:default/);
    await s.stop();
  });

  test('--preload imports the app in the master: a broken app stops the start before any worker', async () => {
    const r = await runNarwhal([app('crash-on-boot.ts'), '--preload', '--bind', '127.0.0.1:0']);
    assert.equal(r.code, 4, r.output);
    assert.doesNotMatch(r.output, /Booting worker/);
  });
});
