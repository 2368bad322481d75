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

export interface HupLoad {
  readonly path: string;
  readonly concurrency: number;
  readonly contentType?: string;
  /** How long to wait for the load to start, for each reload, and for service after it. */
  readonly waitMs: { readonly start: number; readonly reload: number; readonly after: number };
  /** Answers before the first HUP, and the fewest the whole run must get. */
  readonly startOk: number;
  readonly minOk: number;
  /** The load's own bound. */
  readonly maxMs: number;
}

/** Three HUPs while keep-alive loops GET and POST `path`: every request answered, by the new workers too. */
export async function hupUnderLoad(s: Server, load: HupLoad = { path: '/echo', concurrency: 6, contentType: 'application/octet-stream', waitMs: { start: 20_000, reload: 40_000, after: 20_000 }, startOk: 30, minOk: 60, maxMs: 90_000 }): Promise<void> {
  const loop = startLoad(s.url, { concurrency: load.concurrency, maxMs: load.maxMs, path: load.path, ...(load.contentType ? { contentType: load.contentType } : {}) });
  try {
    await waitFor('load running', () => loop.ok > load.startOk, load.waitMs.start);
    for (let i = 1; i <= 3; i++) {
      const before = loop.ok;
      s.signal('SIGHUP');
      await waitFor(`reload ${i} complete`, () => s.count(/Reload complete/) >= i, load.waitMs.reload);
      await waitFor('requests served after the reload', () => loop.ok > before + 10, load.waitMs.after);
    }
  } finally {
    const result = await loop.stop();
    assert.deepEqual(result.failures, []);
    assert.ok(result.ok > load.minOk, `only ${result.ok} requests`);
    assert.ok(result.pids.size >= 4, `answers came from only ${result.pids.size} workers`);
  }
}
