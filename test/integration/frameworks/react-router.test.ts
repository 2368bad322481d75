// React Router v7 (framework mode) built from npm and served by Narwhal both ways:
// createRequestHandler (fetch-style) and @react-router/node's createRequestListener
// (node-style), each from a three-line entry file beside the build; client assets
// through Narwhal's --static.
import assert from 'node:assert/strict';
import { before, describe, test } from 'node:test';
import { frameworkBuild } from '../../helpers/framework-build.js';
import { checkFramework, checkPageAsset } from '../../helpers/framework-checks.js';
import { request } from '../../helpers/http.js';

const BUILD_TIMEOUT = { timeout: 8 * 60_000 };
let dir = '';

describe('React Router v7', BUILD_TIMEOUT, () => {
  before(async () => {
    dir = await frameworkBuild('react-router');
  }, BUILD_TIMEOUT);

  const serve = (entry: string, contract: string) =>
    checkFramework({ cwd: dir, args: [entry, '--static', '/assets=build/client/assets'], text: '<h1>Hello from React Router under Narwhal</h1>', assets: [] }, async (s) => {
      assert.match(s.output, new RegExp(`serving ${entry}:default \\(${contract}\\)`));
      await checkPageAsset(s, /href="(\/assets\/entry\.client-[^"]+\.js)"/, { type: /^text\/javascript/, cacheControl: /^public, max-age=31536000, immutable$/ });
      assert.equal((await request(`${s.url}/no-such-page`)).status, 404);
      assert.doesNotMatch(s.output, /Warning|ERROR/);
    });

  test('createRequestHandler (fetch-style, fetch-entry.js): page, POST, assets, HUP under load', () => serve('fetch-entry.js', 'fetch-style'));

  test('createRequestListener (node-style, node-entry.js): page, POST, assets, HUP under load', () => serve('node-entry.js', 'node-style'));
});
