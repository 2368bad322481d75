// Astro (@astrojs/node) built from npm and served by Narwhal both ways: the
// standalone server entry (listen; it serves dist/client itself) and the
// middleware build's handler export, with its client assets through --static.
import assert from 'node:assert/strict';
import { before, describe, test } from 'node:test';
import { frameworkBuild } from '../../helpers/framework-build.js';
import { checkFramework, checkPageAsset, type Served } from '../../helpers/framework-checks.js';

const BUILD_TIMEOUT = { timeout: 8 * 60_000 };
let dir = '';

describe('Astro (@astrojs/node)', BUILD_TIMEOUT, () => {
  before(async () => {
    dir = await frameworkBuild('astro');
  }, BUILD_TIMEOUT);

  const text = '>Hello from Astro under Narwhal</h1>';
  /** The page's own stylesheet under /_astro/, hashed, so cached for good. */
  const stylesheet = (s: Served) => checkPageAsset(s, /href="(\/_astro\/[^"]+\.css)"/, { type: /^text\/css/, body: /color:\s*teal/, cacheControl: /max-age=31536000, immutable/ });

  test('standalone dist/server/entry.mjs (listen): page, POST, public file, HUP under load', async () => {
    const app = { cwd: dir, args: ['dist/server/entry.mjs'], text, assets: [{ path: '/site.css', type: /^text\/css/, body: 'margin: 0' }] };
    await checkFramework(app, async (s) => {
      await stylesheet(s);
      assert.equal(s.count(/\[INFO\] The app asked to listen on port \d+ on 127\.0\.0\.1; it accepts on Narwhal's/), 1, s.output);
    });
  });

  test('middleware dist-middleware/server/entry.mjs:handler with --static /_astro: page, POST, assets, HUP under load', async () => {
    const app = { cwd: dir, args: ['dist-middleware/server/entry.mjs:handler', '--static', '/_astro=dist-middleware/client/_astro'], text, assets: [] };
    await checkFramework(app, async (s) => {
      await stylesheet(s);
      // `(...args)` says nothing by its length; Astro's middleware is a (req, res, next) listener.
      assert.match(s.output, /serving dist-middleware\/server\/entry\.mjs:handler \(node-style\)/);
      assert.doesNotMatch(s.output, /The app asked to listen|Warning/);
    });
  });
});
