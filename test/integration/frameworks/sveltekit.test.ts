// SvelteKit (adapter-node) built from npm and served by Narwhal both ways:
// the built server script (listen) and the exported handler.
import assert from 'node:assert/strict';
import { before, describe, test } from 'node:test';
import { frameworkBuild } from '../../helpers/framework-build.js';
import { checkFramework, checkPageAsset, type FrameworkApp } from '../../helpers/framework-checks.js';
import { request } from '../../helpers/http.js';

const BUILD_TIMEOUT = { timeout: 8 * 60_000 };
let dir = '';

describe('SvelteKit (adapter-node)', BUILD_TIMEOUT, () => {
  before(async () => {
    dir = await frameworkBuild('sveltekit');
  }, BUILD_TIMEOUT);

  const app = (args: string[]): FrameworkApp => ({
    cwd: dir,
    args,
    text: 'Hello from SvelteKit under Narwhal',
    assets: [{ path: '/site.css', type: /^text\/css/, body: 'color: teal' }],
  });

  test('build/index.js (listen): page, POST, static, a form POST from its own origin, HUP under load', async () => {
    await checkFramework(app(['build/index.js']), async (s) => {
      assert.equal(s.count(/\[INFO\] The app asked to listen on port \d+ on 127\.0\.0\.1; it accepts on Narwhal's http:\/\/127\.0\.0\.1:\d+ instead/), 1, s.output);
      // SvelteKit's CSRF check compares Origin with the URL it builds from the Host header and,
      // without ORIGIN or PROTOCOL_HEADER set, the https scheme (docs/frameworks.md says so).
      const form = { 'content-type': 'application/x-www-form-urlencoded' };
      assert.equal((await request(`${s.url}/echo`, { method: 'POST', headers: { ...form, origin: s.url.replace('http:', 'https:') }, body: 'a=1' })).status, 200);
      assert.equal((await request(`${s.url}/echo`, { method: 'POST', headers: { ...form, origin: 'http://elsewhere.example' }, body: 'a=1' })).status, 403);
      await checkPageAsset(s, /(\/_app\/immutable\/[^"']+\.js)/, { type: /javascript/ });
    });
  });

  test('build/handler.js:handler (node-style middleware): page, POST, static, HUP under load', async () => {
    await checkFramework(app(['build/handler.js:handler']), async (s) => {
      assert.doesNotMatch(s.output, /The app asked to listen/);
    });
  });
});
