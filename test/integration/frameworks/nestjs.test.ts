// NestJS built from npm (tsc, with decorator metadata) and served by Narwhal both
// ways: dist/main.js calling app.listen(), and the HTTP adapter's Express instance
// as a Promise default export. From its TypeScript source it is refused in one line.
import assert from 'node:assert/strict';
import { before, describe, test } from 'node:test';
import { frameworkBuild } from '../../helpers/framework-build.js';
import { checkFramework, type FrameworkApp } from '../../helpers/framework-checks.js';
import { runNarwhal } from '../../helpers/narwhal.js';

const BUILD_TIMEOUT = { timeout: 8 * 60_000 };
let dir = '';

describe('NestJS', BUILD_TIMEOUT, () => {
  before(async () => {
    dir = await frameworkBuild('nestjs');
  }, BUILD_TIMEOUT);

  const app = (args: string[]): FrameworkApp => ({
    cwd: dir,
    args,
    // The greeting comes from an injected service: it renders only with decorator metadata.
    text: '<h1>Hello from NestJS under Narwhal</h1>',
    assets: [{ path: '/site.css', type: /^text\/css/, body: 'margin: 0' }],
  });

  test('dist/main.js (app.listen()): page, POST, static, HUP under load', async () => {
    await checkFramework(app(['dist/main.js']), async (s) => {
      assert.match(s.output, /\[INFO\] The app asked to listen on port \d+; it accepts on Narwhal's/);
    });
  });

  test('dist/instance.js (the adapter\'s Express instance, a Promise default export): page, POST, static, HUP under load', async () => {
    await checkFramework(app(['dist/instance.js']), async (s) => {
      assert.match(s.output, /serving dist\/instance\.js:default \(node-style\)/);
      assert.doesNotMatch(s.output, /The app asked to listen/);
    });
  });

  test('src/main.ts (TypeScript source, no decorator metadata possible): one line, exit 4', async () => {
    const r = await runNarwhal(['src/main.ts', '--bind', '127.0.0.1:0'], { cwd: dir, timeoutMs: 60_000 });
    assert.equal(r.code, 4, r.output);
    assert.match(r.output, /tsconfig\.json sets emitDecoratorMetadata, .* compile the app with tsc \(npm run build\) and run the output, as in narwhal dist\/main\.js, not src\/main\.ts/);
    assert.doesNotMatch(r.output, /\n\s+at /);
  });
});
