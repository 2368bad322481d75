// Next.js (App Router) built from npm by the fixture in test/fixtures/frameworks/next/,
// served by the real narwhal with 2 workers: the standalone server.js (a listen() script
// that exits on SIGTERM and sets its own process title) and a custom server's request handler.

import { test } from 'node:test';
import path from 'node:path';
import { frameworkBuild } from '../../helpers/framework-build.js';
import { checkHupUnderLoad, checkServes, checkTermFinishesSlowRequest, serveFramework, type FrameworkApp } from '../../helpers/framework-serve.js';

const COLD_BUILD = { timeout: 8 * 60_000 };

const next = (args: string[], cwd: string): FrameworkApp => ({
  args,
  cwd,
  pageText: 'Hello from Next.js on Narwhal',
  echoPath: '/api/echo',
  slowPath: '/api/slow',
  assets: [{ path: '/narwhal.svg', type: /^image\/svg\+xml/ }],
  clientAsset: { re: /src="(\/_next\/static\/chunks\/[^"]+\.js)"/, type: /^application\/javascript/ },
});

test('Next.js standalone server.js (listen): page, POST route, static files, HUP under load, TERM drains', COLD_BUILD, async () => {
  const dir = await frameworkBuild('next');
  const app = next(['server.js'], path.join(dir, '.next/standalone'));
  const s = await serveFramework(app);
  try {
    await checkServes(s, app);
    await checkHupUnderLoad(s, app);
    await checkTermFinishesSlowRequest(s, app);
  } finally {
    await s.stop();
  }
});

test("Next.js custom server's request handler (a Promise default export): same checks", COLD_BUILD, async () => {
  const dir = await frameworkBuild('next');
  const app = next(['custom-handler.mjs'], dir);
  const s = await serveFramework(app);
  try {
    await checkServes(s, app);
    await checkHupUnderLoad(s, app);
    await checkTermFinishesSlowRequest(s, app);
  } finally {
    await s.stop();
  }
});
