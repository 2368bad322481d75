// Astro (@astrojs/node) built from npm and served by Narwhal both ways: the
// standalone server entry (listen; it serves dist/client itself) and the
// middleware build's handler export, with its client assets through --static.
import assert from 'node:assert/strict';
import { before, describe, test } from 'node:test';
import { frameworkBuild } from '../../helpers/framework-build.js';
import { checkFramework, hupUnderLoad, serveFramework, type FrameworkApp } from '../../helpers/framework-checks.js';
import { request } from '../../helpers/http.js';

const BUILD_TIMEOUT = { timeout: 8 * 60_000 };
let dir = '';

describe('Astro (@astrojs/node)', BUILD_TIMEOUT, () => {
  before(async () => {
    dir = await frameworkBuild('astro');
  }, BUILD_TIMEOUT);

  const text = '>Hello from Astro under Narwhal</h1>';
  /** The page's own stylesheet under /_astro/, hashed, so cached for good. */
  const stylesheet = async (url: string) => {
    const href = /href="(\/_astro\/[^"]+\.css)"/.exec((await request(url)).body)?.[1];
    assert.ok(href, 'the page links its stylesheet');
    const css = await request(`${url}${href}`);
    assert.equal(css.status, 200);
    assert.match(String(css.headers['content-type']), /^text\/css/);
    assert.match(css.body, /color:\s*teal/);
    assert.match(String(css.headers['cache-control']), /max-age=31536000, immutable/);
  };

  test('standalone dist/server/entry.mjs (listen): page, POST, public file, HUP under load', async () => {
    const a: FrameworkApp = { cwd: dir, args: ['dist/server/entry.mjs'], text, asset: { path: '/site.css', type: /^text\/css/, body: 'margin: 0' } };
    const s = await serveFramework(a);
    try {
      await checkFramework(s, a);
      await stylesheet(s.url);
      assert.equal(s.count(/\[INFO\] The app asked to listen on port \d+ on 127\.0\.0\.1; it accepts on Narwhal's/), 1, s.output);
      await hupUnderLoad(s);
    } finally {
      await s.stop();
    }
  });

  test('middleware dist-middleware/server/entry.mjs:handler with --static /_astro: page, POST, assets, HUP under load', async () => {
    const a: FrameworkApp = {
      cwd: dir,
      args: ['dist-middleware/server/entry.mjs:handler', '--static', '/_astro=dist-middleware/client/_astro'],
      text,
      asset: { path: '', type: /^text\/css/ },
    };
    const s = await serveFramework(a);
    try {
      const href = /href="(\/_astro\/[^"]+\.css)"/.exec((await request(s.url)).body)?.[1] ?? '';
      await checkFramework(s, { ...a, asset: { ...a.asset, path: href } });
      await stylesheet(s.url);
      // `(...args)` says nothing by its length; Astro's middleware is a (req, res, next) listener.
      assert.match(s.output, /serving dist-middleware\/server\/entry\.mjs:handler \(node-style\)/);
      assert.doesNotMatch(s.output, /The app asked to listen|Warning/);
      await hupUnderLoad(s);
    } finally {
      await s.stop();
    }
  });
});
