// Builds a real framework app from test/fixtures/frameworks/<name>/ (its own
// package.json, package-lock.json and sources) with the framework's own npm
// packages, into a cache outside the repository keyed by the fixture's files, so
// a warm run (and the second Node version in CI) reuses it. Test process only.

import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { cpSync, existsSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { ROOT } from './narwhal.js';

export const FRAMEWORK_FIXTURES = path.join(ROOT, 'test/fixtures/frameworks');
const STAMP = '.narwhal-built';

/** Where builds are kept: NARWHAL_FRAMEWORK_CACHE, else ~/.cache/narwhal-frameworks. */
export function frameworkCacheRoot(): string {
  return process.env['NARWHAL_FRAMEWORK_CACHE'] || path.join(os.homedir(), '.cache', 'narwhal-frameworks');
}

function listFiles(dir: string, base = dir): string[] {
  return readdirSync(dir).flatMap((name) => {
    if (name === 'node_modules') return [];
    const p = path.join(dir, name);
    return statSync(p).isDirectory() ? listFiles(p, base) : [path.relative(base, p)];
  });
}

/** A hash of every file of the fixture: any change to the sources or the lock file means a new build. */
export function fixtureKey(name: string): string {
  const dir = path.join(FRAMEWORK_FIXTURES, name);
  const hash = createHash('sha256');
  for (const rel of listFiles(dir).sort()) hash.update(rel).update('\0').update(readFileSync(path.join(dir, rel))).update('\0');
  return hash.digest('hex').slice(0, 16);
}

function run(cmd: string, args: string[], cwd: string, timeoutMs: number): Promise<void> {
  return new Promise((resolve, reject) => {
    let out = '';
    const child = spawn(cmd, args, {
      cwd,
      env: { ...process.env, NODE_ENV: undefined, CI: 'true', NEXT_TELEMETRY_DISABLED: '1', ASTRO_TELEMETRY_DISABLED: '1', NUXT_TELEMETRY_DISABLED: '1', npm_config_update_notifier: 'false' },
      stdio: ['ignore', 'pipe', 'pipe'],
      detached: true,
    });
    const keep = (d: Buffer) => (out = (out + d.toString('utf8')).slice(-8000));
    child.stdout.on('data', keep);
    child.stderr.on('data', keep);
    const timer = setTimeout(() => {
      try {
        process.kill(-child.pid!, 'SIGKILL');
      } catch {
        // Already gone.
      }
    }, timeoutMs);
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      if (code === 0) resolve();
      else reject(new Error(`${cmd} ${args.join(' ')} in ${cwd} failed (${signal ?? `exit ${code}`}):\n${out.split('\n').slice(-40).join('\n')}`));
    });
  });
}

/**
 * The built app's directory: `npm ci` and `npm run build` run once per fixture
 * version; later calls return the cached directory at once.
 */
export async function frameworkBuild(name: string, timeoutMs = 6 * 60_000): Promise<string> {
  const root = frameworkCacheRoot();
  const dir = path.join(root, `${name}-${fixtureKey(name)}`);
  if (existsSync(path.join(dir, STAMP))) return dir;
  // Built in place (some builds record their absolute path); the stamp marks a finished build.
  mkdirSync(root, { recursive: true });
  rmSync(dir, { recursive: true, force: true });
  cpSync(path.join(FRAMEWORK_FIXTURES, name), dir, { recursive: true });
  try {
    const started = Date.now();
    await run('npm', ['ci', '--no-audit', '--no-fund', '--loglevel=error'], dir, timeoutMs);
    await run('npm', ['run', 'build'], dir, Math.max(60_000, timeoutMs - (Date.now() - started)));
    writeFileSync(path.join(dir, STAMP), new Date().toISOString());
    // CI's budget for all framework builds is counted from these lines.
    process.stderr.write(`built ${name} cold in ${((Date.now() - started) / 1000).toFixed(1)} s (npm ci and npm run build)\n`);
  } catch (err) {
    rmSync(dir, { recursive: true, force: true });
    throw err;
  }
  return dir;
}
