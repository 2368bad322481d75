// React Router v7 (framework mode) built from npm and served by Narwhal both ways:
// createRequestHandler (fetch-style) and @react-router/node's createRequestListener
// (node-style), each from a three-line entry file beside the build; client assets
// through Narwhal's --static.
import assert from 'node:assert/strict';
import { before, describe, test } from 'node:test';
import { frameworkBuild } from '../../helpers/framework-build.js';
import { checkFramework, hupUnderLoad, serveFramework, type FrameworkApp } from '../../helpers/framework-checks.js';
import { request } from '../../helpers/http.js';

const BUILD_TIMEOUT = { timeout: 8 * 60_000 };
let dir = '';

describe('React Router v7', BUILD_TIMEOUT, () => {
  before(async () => {
    dir = await frameworkBuild('react-router');
  }, BUILD_TIMEOUT);

  const serve = async (entry: string, contract: string) => {
    const a: FrameworkApp = {
      cwd: dir,
      args: [entry, '--static', '/assets=build/client/assets'],
      text: '<h1>Hello from React Router under Narwhal</h1>',
      // Filled in from the page's own module preload below.
      asset: { path: '', type: /^text\/javascript/ },
    };
    const s = await serveFramework(a);
    try {
      assert.match(s.output, new RegExp(`serving ${entry}:default \\(${contract}\\)`));
      const page = (await request(s.url)).body;
      const js = /href="(\/assets\/entry\.client-[^"]+\.js)"/.exec(page)?.[1];
      assert.ok(js, page);
      await checkFramework(s, { ...a, asset: { ...a.asset, path: js } });
      const cached = await request(`${s.url}${js}`);
      assert.equal(cached.headers['cache-control'], 'public, max-age=31536000, immutable');
      assert.equal((await request(`${s.url}/no-such-page`)).status, 404);
      assert.doesNotMatch(s.output, /Warning|ERROR/);
      await hupUnderLoad(s);
    } finally {
      await s.stop();
    }
  };

  test('createRequestHandler (fetch-style, fetch-entry.js): page, POST, assets, HUP under load', () => serve('fetch-entry.js', 'fetch-style'));

  test('createRequestListener (node-style, node-entry.js): page, POST, assets, HUP under load', () => serve('node-entry.js', 'node-style'));
});
