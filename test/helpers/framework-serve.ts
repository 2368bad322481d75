// The checks every framework build goes through once Narwhal serves it with 2
// workers: a page, a POST route, a static asset, a HUP under bounded load, TERM
// during a slow request, and `ps` titles. Test process only; used by test/integration/frameworks/.

import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { startServer, waitFor, type Narwhal } from './narwhal.js';
import { hupUnderLoad } from './framework-checks.js';
import { request } from './http.js';

export type Served = Narwhal & { url: string; port: number };

export interface FrameworkApp {
  /** Narwhal's arguments (the app and its flags); `--workers 2` is added. */
  readonly args: readonly string[];
  readonly cwd: string;
  readonly env?: NodeJS.ProcessEnv;
  /** Text the home page's HTML holds. */
  readonly pageText: string;
  /** A route answering `<pid>:<body>` to GET and POST. */
  readonly echoPath: string;
  /** A route that answers after `?ms=N` and logs `slow request <N>` when it starts. */
  readonly slowPath: string;
  /** Static files and the content type each must be served with. */
  readonly assets: ReadonlyArray<{ path: string; type: RegExp }>;
  /** Finds a hashed client asset's path in the page's HTML (a built JS chunk), with its type. */
  readonly clientAsset: { re: RegExp; type: RegExp; cacheControl?: RegExp };
}

const title = (pid: number) => execFileSync('ps', ['-o', 'args=', '-p', String(pid)], { encoding: 'utf8' }).trim();

export async function serveFramework(app: FrameworkApp): Promise<Served> {
  return startServer([...app.args, '--workers', '2', '--graceful-timeout', '20', '--access-logfile', '-', '--health-path', '/narwhal-health'], { workers: 2, cwd: app.cwd, env: { NODE_ENV: 'production', ...app.env } });
}

/** Page, POST route, static assets, access log, health path and titles, on a running server. */
export async function checkServes(s: Served, app: FrameworkApp): Promise<void> {
  const page = await request(s.url);
  assert.equal(page.status, 200, page.body.slice(0, 2000));
  assert.match(page.headers['content-type'] ?? '', /^text\/html/);
  assert.ok(page.body.includes(app.pageText), `the page lacks ${JSON.stringify(app.pageText)}:\n${page.body.slice(0, 2000)}`);

  const echo = await request(`${s.url}${app.echoPath}`, { method: 'POST', body: 'narwhal-post', headers: { 'content-type': 'text/plain' } });
  assert.equal(echo.status, 200, echo.body);
  assert.match(echo.body, /^\d+:narwhal-post$/);
  assert.ok(s.readyPids().includes(Number.parseInt(echo.body, 10)), `answered by ${echo.body}, not one of the workers ${s.readyPids()}`);

  // Narwhal's access log and health path sit on the app's own server too.
  await s.waitForLog(new RegExp(`"POST ${app.echoPath} HTTP/1\\.1" 200`));
  const health = await request(`${s.url}/narwhal-health`);
  assert.equal(health.status, 200);
  assert.equal(health.body, 'OK\n');

  const chunk = app.clientAsset.re.exec(page.body)?.[1];
  assert.ok(chunk, `no client asset matching ${app.clientAsset.re} in the page`);
  for (const a of [...app.assets, { path: chunk, type: app.clientAsset.type, cacheControl: app.clientAsset.cacheControl }]) {
    const r = await request(`${s.url}${a.path}`);
    assert.equal(r.status, 200, `${a.path}: ${r.status}`);
    assert.match(r.headers['content-type'] ?? '', a.type, `${a.path}`);
    if ('cacheControl' in a && a.cacheControl) assert.match(r.headers['cache-control'] ?? '', a.cacheControl, `${a.path}`);
    assert.ok(r.body.length > 0, `${a.path} is empty`);
  }

  for (const pid of s.readyPids().slice(-2)) assert.match(title(pid), /^narwhal: worker\b/, `worker ${pid}`);
  assert.match(title(s.pid), /^narwhal: master\b/);
}

/** Three HUPs under a bounded keep-alive load: no request lost, new workers serve, titles kept. */
export async function checkHupUnderLoad(s: Served, app: FrameworkApp): Promise<void> {
  await hupUnderLoad(s, { path: app.echoPath, concurrency: 4, waitMs: { start: 30_000, reload: 90_000, after: 30_000 }, startOk: 20, minOk: 50, maxMs: 180_000 });
  for (const pid of s.readyPids().slice(-2)) assert.match(title(pid), /^narwhal: worker\b/, `worker ${pid} after HUP`);
}

/** TERM while a slow request is in flight: the app's own SIGTERM exit waits for the drain; the request finishes. */
export async function checkTermFinishesSlowRequest(s: Served, app: FrameworkApp): Promise<void> {
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
