// The newcomer's path: the package is packed with `npm pack`, and docs/quick-start.md is followed
// literally in an empty directory holding only that tarball: its files written and its shell blocks
// run in order, as written, through `sh`. Only the port differs: NARWHAL_CMD_ARGS binds one the OS
// picks, and the curl line is pointed at it. npm installs from its cache where it can (--prefer-offline).

import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { copyFileSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { Narwhal, ROOT, waitFor } from '../helpers/narwhal.js';

const PKG = JSON.parse(readFileSync(path.join(ROOT, 'package.json'), 'utf8')) as { name: string; version: string; bin: Record<string, string> };
const TARBALL = `${PKG.name}-${PKG.version}.tgz`;
const DOC = readFileSync(path.join(ROOT, 'docs/quick-start.md'), 'utf8');

interface Step {
  readonly kind: string;
  readonly text: string;
  readonly line: number;
}

/** The doc's file blocks and runnable shell blocks, in the order a reader meets them. */
function steps(markdown: string): Step[] {
  const lines = markdown.split('\n');
  const out: Step[] = [];
  for (let i = 0; i < lines.length; i++) {
    if (!/^```\w+\s*$/.test(lines[i]!)) continue;
    let end = i + 1;
    while (end < lines.length && lines[end] !== '```') end++;
    let before = i - 1;
    while (before >= 0 && lines[before]!.trim() === '') before--;
    const marker = /^<!-- (test: \S+|file: \S+)/.exec(lines[before]?.trim() ?? '')?.[1];
    if (marker) out.push({ kind: marker, text: lines.slice(i + 1, end).join('\n'), line: i + 1 });
    i = end;
  }
  return out;
}

const env = (extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv => ({
  ...process.env,
  NARWHAL_CMD_ARGS: '',
  PORT: '',
  WEB_CONCURRENCY: '',
  FORWARDED_ALLOW_IPS: '',
  npm_config_prefer_offline: 'true',
  npm_config_audit: 'false',
  npm_config_fund: 'false',
  npm_config_update_notifier: 'false',
  ...extra,
});

let packDir = '';
let appDir = '';
before(() => {
  packDir = mkdtempSync(path.join(tmpdir(), 'narwhal-pack-'));
  appDir = mkdtempSync(path.join(tmpdir(), 'narwhal-newcomer-'));
  // dist/ is built before the tests run; packing must not rebuild it under the other tests.
  const r = spawnSync('npm', ['pack', '--ignore-scripts', '--pack-destination', packDir], { cwd: ROOT, encoding: 'utf8', env: env(), timeout: 120_000 });
  assert.equal(r.status, 0, r.stderr);
  assert.equal(r.stdout.trim().split('\n').at(-1), TARBALL);
  copyFileSync(path.join(packDir, TARBALL), path.join(appDir, TARBALL));
});
after(() => {
  rmSync(packDir, { recursive: true, force: true });
  rmSync(appDir, { recursive: true, force: true });
});

test('the package is not called narwhal (taken on npm) and still installs the narwhal command', () => {
  assert.equal(PKG.name, 'narwhal-server');
  assert.deepEqual(Object.keys(PKG.bin), ['narwhal']);
  assert.ok(DOC.includes(`npm install ./${TARBALL}`), `quick-start.md installs ./${TARBALL}`);
});

test('docs/quick-start.md, followed literally in an empty directory with the packed tarball, works', { timeout: 240_000 }, async () => {
  const all = steps(DOC);
  assert.ok(all.some((s) => s.kind === 'test: install') && all.some((s) => s.kind === 'test: serve'), 'the doc installs and serves');
  let server: (Narwhal & { port: number }) | null = null;
  try {
    for (const s of all) {
      const where = `quick-start.md:${s.line}`;
      if (s.kind.startsWith('file: ')) {
        writeFileSync(path.join(appDir, s.kind.slice('file: '.length)), `${s.text}\n`);
      } else if (s.kind === 'test: serve') {
        // The blocking command, run as written; the test is its "second terminal".
        assert.equal(s.text.trim().split('\n').length, 1, `${where}: a serve block holds only the command that blocks`);
        const n = new Narwhal([], { cwd: appDir, command: ['sh', '-c', s.text], env: env({ NARWHAL_CMD_ARGS: '--bind 127.0.0.1:0 --log-level debug' }) });
        const m = await n.waitForLog(/Listening at: http:\/\/127\.0\.0\.1:(\d+)/, 60_000);
        // A reader tries it once the log settles; here, once both workers say they are ready.
        await waitFor(`two ready workers in:\n${n.output}`, () => n.readyPids().length >= 2 || (n.exit ? Promise.reject(new Error(n.output)) : false), 60_000);
        server = Object.assign(n, { port: Number(m[1]) });
      } else if (s.kind === 'test: request') {
        assert.ok(server, `${where}: a request block follows a serve block`);
        const port: number = server.port;
        const r = spawnSync('sh', ['-ec', s.text.replaceAll('127.0.0.1:8000', `127.0.0.1:${port}`)], { cwd: appDir, encoding: 'utf8', timeout: 20_000 });
        assert.equal(r.status, 0, `${where}\n${r.stdout}${r.stderr}\n${server.output}`);
        assert.match(r.stdout, /^Hello from worker \d+: \/hello for 127\.0\.0\.1\n$/);
        assert.equal(server.count(/Booting worker with pid/), 2, server.output);
        await stopGroup(server);
        server = null;
      } else {
        const r = spawnSync('sh', ['-ec', s.text], { cwd: appDir, encoding: 'utf8', env: env(), timeout: 180_000 });
        const out = `${r.stdout}${r.stderr}`;
        assert.equal(r.status, 0, `${where}: ${s.text}\n${out}`);
        // npm 11's install-scripts advisory (esbuild's postinstall, which tsx needs) is the user's policy to set, and the doc says so.
        if (s.kind === 'test: install') assert.deepEqual(out.split('\n').filter((l) => /npm warn/i.test(l) && !/npm warn install-scripts/.test(l)), [], `${where}\n${out}`);
        if (s.text.includes('--check-config')) assert.match(r.stdout, /config OK/);
        if (s.text.includes('--print-config')) assert.match(r.stdout, /^healthPath += \/healthz {2}\(config file\)$/m);
      }
    }
  } finally {
    if (server) await stopGroup(server);
  }
  const installed = JSON.parse(readFileSync(path.join(appDir, 'node_modules', PKG.name, 'package.json'), 'utf8')) as { version: string };
  assert.equal(installed.version, PKG.version);
});

/** Stops `sh -c "npx narwhal ..."`: TERM to the whole group, as Ctrl-C reaches the whole foreground group. */
async function stopGroup(n: Narwhal): Promise<void> {
  if (n.exit) return;
  process.kill(-n.pid, 'SIGTERM');
  const timer = setTimeout(() => process.kill(-n.pid, 'SIGKILL'), 15_000);
  await n.exited;
  clearTimeout(timer);
}
