// Next.js (App Router) built from npm by the fixture in test/fixtures/frameworks/next/,
// served by the real narwhal with 2 workers: the standalone server.js (a listen() script
// that exits on SIGTERM and sets its own process title) and a custom server's request handler.

import { test } from 'node:test';
import path from 'node:path';
import { frameworkBuild } from '../../helpers/framework-build.js';
import { checkFramework, checkPageAsset, type FrameworkApp } from '../../helpers/framework-checks.js';

const COLD_BUILD = { timeout: 8 * 60_000 };

const next = (args: string[], cwd: string): FrameworkApp => ({
  args,
  cwd,
  text: 'Hello from Next.js on Narwhal',
  echoPath: '/api/echo',
  slowPath: '/api/slow',
  assets: [{ path: '/narwhal.svg', type: /^image\/svg\+xml/ }],
});
const chunk = (s: Parameters<typeof checkPageAsset>[0]) => checkPageAsset(s, /src="(\/_next\/static\/chunks\/[^"]+\.js)"/, { type: /^application\/javascript/ });

test('Next.js standalone server.js (listen): page, POST route, static files, HUP under load, TERM drains', COLD_BUILD, async () => {
  const dir = await frameworkBuild('next');
  await checkFramework(next(['server.js'], path.join(dir, '.next/standalone')), chunk);
});

test("Next.js custom server's request handler (a Promise default export): same checks", COLD_BUILD, async () => {
  const dir = await frameworkBuild('next');
  await checkFramework(next(['custom-handler.mjs'], dir), chunk);
});
