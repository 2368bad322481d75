// Nuxt 4 built from npm by the fixture in test/fixtures/frameworks/nuxt/, served by the
// real narwhal with 2 workers: the default node-server output (a listen() script whose
// SIGTERM handler exits) and the node-listener preset's `listener` export.

import { test } from 'node:test';
import { frameworkBuild } from '../../helpers/framework-build.js';
import { checkFramework, checkPageAsset, type FrameworkApp } from '../../helpers/framework-checks.js';

const COLD_BUILD = { timeout: 8 * 60_000 };
const CHUNK = /"(\/_nuxt\/[^"]+\.js)"/;

const nuxt = (args: string[], cwd: string): FrameworkApp => ({
  args,
  cwd,
  text: 'Hello from Nuxt on Narwhal',
  echoPath: '/api/echo',
  slowPath: '/api/slow',
  assets: [{ path: '/img/narwhal.svg', type: /^image\/svg\+xml/ }],
});

test('Nuxt node-server .output/server/index.mjs (listen): page, POST route, static files, HUP under load, TERM drains', COLD_BUILD, async () => {
  const dir = await frameworkBuild('nuxt');
  await checkFramework(nuxt(['.output/server/index.mjs'], dir), (s) => checkPageAsset(s, CHUNK, { type: /^(application|text)\/javascript/ }));
});

test("Nuxt node-listener preset's `listener` export, its public files through --static: same checks", COLD_BUILD, async () => {
  const dir = await frameworkBuild('nuxt');
  // The listener serves no files: Narwhal serves the client build and public/ (long-lived caching for /_nuxt/).
  const app = nuxt(['.output-listener/server/index.mjs:listener', '--static', '/_nuxt=.output-listener/public/_nuxt', '--static', '/img=.output-listener/public/img'], dir);
  await checkFramework(app, (s) => checkPageAsset(s, CHUNK, { type: /^text\/javascript/, cacheControl: /immutable/ }));
});
