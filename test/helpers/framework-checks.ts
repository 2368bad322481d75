// The checks every framework build gets once Narwhal serves it (docs' promise in
// docs/frameworks.md): its page, a POST route, a static asset, and a HUP under a
// bounded load that loses no request. Test process only; used by test/integration/frameworks/.

import assert from 'node:assert/strict';
import { request } from './http.js';
import { startLoad } from './load.js';
import { startServer, waitFor, type Server } from './narwhal.js';

export interface FrameworkApp {
  /** The built app's directory (narwhal runs there). */
  readonly cwd: string;
  /** narwhal's arguments after --bind: the app and its settings. */
  readonly args: readonly string[];
  /** Text the page at `/` renders. */
  readonly text: string | RegExp;
  /** A static file and the content type it must be served with. */
  readonly asset: { readonly path: string; readonly type: RegExp; readonly body?: string | RegExp };
  /** Extra environment for the workers. */
  readonly env?: NodeJS.ProcessEnv;
}

/** Starts the app with 2 workers; the caller stops it. */
export function serveFramework(app: FrameworkApp): Promise<Server> {
  // A framework's boot is slower than a fixture's, and the machine may be busy.
  return startServer(['--workers', '2', ...app.args], { workers: 2, cwd: app.cwd, env: app.env, readyTimeoutMs: 60_000 });
}

/** The page, the POST route at /echo (answers `pid:body`) and the static asset. */
export async function checkFramework(s: Server, app: FrameworkApp): Promise<void> {
  const page = await request(s.url);
  assert.equal(page.status, 200, page.body);
  assert.match(String(page.headers['content-type']), /^text\/html/);
  if (typeof app.text === 'string') assert.ok(page.body.includes(app.text), page.body);
  else assert.match(page.body, app.text);
  const post = await request(`${s.url}/echo`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"n":1}' });
  assert.equal(post.status, 200, post.body);
  assert.match(post.body, /^\d+:\{"n":1\}$/);
  const asset = await request(`${s.url}${app.asset.path}`);
  assert.equal(asset.status, 200, `${app.asset.path}: ${asset.body}`);
  assert.match(String(asset.headers['content-type']), app.asset.type);
  if (app.asset.body !== undefined) assert.match(asset.body, typeof app.asset.body === 'string' ? new RegExp(app.asset.body.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')) : app.asset.body);
}

/** Three HUPs while 6 keep-alive loops GET and POST /echo: every request answered. */
export async function hupUnderLoad(s: Server, reloads = 3): Promise<void> {
  const load = startLoad(s.url, { concurrency: 6, maxMs: 90_000, path: '/echo', contentType: 'application/octet-stream' });
  try {
    await waitFor('load running', () => load.ok > 30, 20_000);
    for (let i = 1; i <= reloads; i++) {
      const before = load.ok;
      s.signal('SIGHUP');
      await waitFor(`reload ${i} complete`, () => s.count(/Reload complete/) >= i, 40_000);
      await waitFor('requests served after the reload', () => load.ok > before + 10, 20_000);
    }
  } finally {
    const result = await load.stop();
    assert.deepEqual(result.failures, []);
    assert.ok(result.ok > 60, `only ${result.ok} requests`);
    assert.ok(result.pids.size >= 4, `answers came from only ${result.pids.size} workers`);
  }
}
