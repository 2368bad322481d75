// The checks every framework build goes through once Narwhal serves it with 2 workers
// (docs/frameworks.md's promise): its page, a POST route, static assets, the access log,
// the health path and `ps` titles, a HUP under bounded load that loses no request, and,
// where the app has a slow route, TERM during a request. Test process only; used by test/integration/frameworks/.

import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { request } from './http.js';
import { startLoad } from './load.js';
import { startServer, waitFor, type Narwhal } from './narwhal.js';

export type Served = Narwhal & { url: string; port: number };

export interface Asset {
  readonly path: string;
  readonly type: RegExp;
  /** Text (or a pattern) the file holds. */
  readonly body?: string | RegExp;
  readonly cacheControl?: RegExp;
}

export interface FrameworkApp {
  /** The built app's directory (narwhal runs there). */
  readonly cwd: string;
  /** Narwhal's arguments: the app and its flags; the checks' own flags are added. */
  readonly args: readonly string[];
  readonly env?: NodeJS.ProcessEnv;
  /** Text (or a pattern) the page at `/` renders. */
  readonly text: string | RegExp;
  /** A route answering `<pid>:<body>` to GET and POST; `/echo` unless said. */
  readonly echoPath?: string;
  /** Static files and the content type each must be served with. */
  readonly assets: readonly Asset[];
  /** A route that answers after `?ms=N` with `slept N`, logging `slow request <N>` when it starts. */
  readonly slowPath?: string;
}

const HEALTH = '/narwhal-health';
const title = (pid: number) => execFileSync('ps', ['-o', 'args=', '-p', String(pid)], { encoding: 'utf8' }).trim();
const escape = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
const echoPath = (app: FrameworkApp) => app.echoPath ?? '/echo';

/** Starts the app with 2 workers, an access log on stdout and a health path; the caller stops it. */
export function serveFramework(app: FrameworkApp): Promise<Served> {
  const args = [...app.args, '--workers', '2', '--graceful-timeout', '20', '--access-logfile', '-', '--health-path', HEALTH];
  // A framework's boot is slower than a fixture's, and the machine may be busy.
  return startServer(args, { workers: 2, cwd: app.cwd, env: { NODE_ENV: 'production', ...app.env }, readyTimeoutMs: 60_000 });
}

/** Page, POST route, static assets, access log, health path and titles, on a running server. */
export async function checkServes(s: Served, app: FrameworkApp): Promise<void> {
  const page = await request(s.url);
  assert.equal(page.status, 200, page.body.slice(0, 2000));
  assert.match(page.headers['content-type'] ?? '', /^text\/html/);
  assert.match(page.body, typeof app.text === 'string' ? new RegExp(escape(app.text)) : app.text);

  const echo = await request(`${s.url}${echoPath(app)}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"n":1}' });
  assert.equal(echo.status, 200, echo.body);
  assert.match(echo.body, /^\d+:\{"n":1\}$/);
  assert.ok(s.readyPids().includes(Number.parseInt(echo.body, 10)), `answered by ${echo.body}, not one of the workers ${s.readyPids()}`);

  // Narwhal's access log and health path sit in front of every framework's own server.
  await s.waitForLog(new RegExp(`"POST ${escape(echoPath(app))} HTTP/1\\.1" 200`));
  const health = await request(`${s.url}${HEALTH}`);
  assert.equal(health.status, 200);
  assert.equal(health.body, 'OK\n');

  for (const a of app.assets) await checkAsset(s, a);

  for (const pid of s.readyPids().slice(-2)) assert.match(title(pid), /^narwhal: worker\b/, `worker ${pid}`);
  assert.match(title(s.pid), /^narwhal: master\b/);
}

async function checkAsset(s: Served, a: Asset): Promise<void> {
  const r = await request(`${s.url}${a.path}`);
  assert.equal(r.status, 200, `${a.path}: ${r.status}`);
  assert.match(r.headers['content-type'] ?? '', a.type, a.path);
  assert.ok(r.body.length > 0, `${a.path} is empty`);
  if (a.body !== undefined) assert.match(r.body, typeof a.body === 'string' ? new RegExp(escape(a.body)) : a.body, a.path);
  if (a.cacheControl) assert.match(r.headers['cache-control'] ?? '', a.cacheControl, a.path);
}

/** A built asset the page links (a hashed chunk or stylesheet), found by `re`'s first group; returns its path. */
export async function checkPageAsset(s: Served, re: RegExp, a: Omit<Asset, 'path'>): Promise<string> {
  const page = (await request(s.url)).body;
  const found = re.exec(page)?.[1];
  assert.ok(found, `no asset matching ${re} in the page:\n${page.slice(0, 2000)}`);
  await checkAsset(s, { ...a, path: found });
  return found;
}

/** Three HUPs while keep-alive loops GET and POST the echo route: every request answered, by the new workers too, titles kept. */
export async function checkHupUnderLoad(s: Served, app: FrameworkApp): Promise<void> {
  const loop = startLoad(s.url, { concurrency: 4, maxMs: 150_000, path: echoPath(app), contentType: 'application/octet-stream' });
  try {
    await waitFor('load running', () => loop.ok > 20, 30_000);
    for (let i = 1; i <= 3; i++) {
      const before = loop.ok;
      s.signal('SIGHUP');
      await waitFor(`reload ${i} complete`, () => s.count(/Reload complete/) >= i, 90_000);
      await waitFor('requests served after the reload', () => loop.ok > before + 10, 30_000);
    }
  } finally {
    const result = await loop.stop();
    assert.deepEqual(result.failures, []);
    assert.ok(result.ok > 50, `only ${result.ok} requests`);
    assert.ok(result.pids.size >= 4, `answers came from only ${result.pids.size} workers`);
  }
  for (const pid of s.readyPids().slice(-2)) assert.match(title(pid), /^narwhal: worker\b/, `worker ${pid} after HUP`);
}

/** TERM while a slow request is in flight: the app's own SIGTERM exit waits for the drain; the request finishes. */
export async function checkTermFinishesSlowRequest(s: Served, app: FrameworkApp): Promise<void> {
  assert.ok(app.slowPath, 'the app has no slow route');
  const slow = request(`${s.url}${app.slowPath}?ms=1500`, { timeoutMs: 30_000 });
  await s.waitForLog(/slow request 1500/, 30_000);
  s.signal('SIGTERM');
  const reply = await slow;
  assert.equal(reply.status, 200, reply.body);
  assert.match(reply.body, /slept 1500/);
  const exit = await s.stop('SIGTERM', 40_000);
  assert.equal(exit.code, 0, s.output.slice(-3000));
  assert.match(s.output, /Shutting down: Master/);
  // The framework's own exit code on SIGTERM (Next's 143) is no worker failure once the drain is done.
  assert.doesNotMatch(s.output, /\] \[(ERROR|CRITICAL)\] /);
}

/** Serves the app, runs every check that applies to it, then `more` (the framework's own), and stops it. */
export async function checkFramework(app: FrameworkApp, more?: (s: Served) => Promise<unknown>): Promise<void> {
  const s = await serveFramework(app);
  try {
    await checkServes(s, app);
    await more?.(s);
    await checkHupUnderLoad(s, app);
    if (app.slowPath) await checkTermFinishesSlowRequest(s, app);
  } finally {
    await s.stop();
  }
}
