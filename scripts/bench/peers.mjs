// The servers the bench compares: how to start each one with N workers on a
// port and how to stop it. A peer that cannot run here (a missing package or
// binary) says why, and the bench reports it as skipped. Used by scripts/bench.mjs.

import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';

const require = createRequire(import.meta.url);

function resolvePackage(name) {
  try {
    return require.resolve(name);
  } catch {
    return null;
  }
}

function which(bin) {
  const r = spawnSync('sh', ['-c', `command -v ${bin}`], { encoding: 'utf8' });
  return r.status === 0 ? r.stdout.trim() : null;
}

/** Starts a detached process group so the whole tree can be stopped at once. */
function startGroup(cmd, args, opts) {
  const child = spawn(cmd, args, { ...opts, detached: true, stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr.setEncoding('utf8').on('data', (d) => (stderr = (stderr + d).slice(-4000)));
  const exited = new Promise((resolve) => child.once('exit', resolve));
  return {
    pid: child.pid,
    stderr: () => stderr,
    exited: () => child.exitCode !== null || child.signalCode !== null,
    async stop() {
      try {
        process.kill(-child.pid, 'SIGTERM');
      } catch {
        return;
      }
      const timer = setTimeout(() => {
        try {
          process.kill(-child.pid, 'SIGKILL');
        } catch {
          // Already gone.
        }
      }, 5000);
      await exited;
      clearTimeout(timer);
    },
  };
}

/**
 * Each peer: `name`, `label`, `why()` (null when it can run, else the reason to
 * skip) and `start({ node, port, workers, root })` -> { pid, stop, stderr, exited }.
 */
export function peers(root) {
  const bench = path.join(root, 'scripts/bench/apps');
  const narwhal = path.join(root, 'dist/bin/narwhal.js');
  const clusterPeer = (name, label, kind, pkg) => ({
    name,
    label,
    why: () => (pkg && !resolvePackage(pkg) ? `npm package ${pkg} is not installed (npm ci)` : null),
    start: ({ node, port, workers }) => startGroup(node, [path.join(bench, 'cluster.mjs'), kind, String(port), String(workers)], { cwd: root }),
  });
  // `flags` after the common ones; `env` adds to the environment (the bench-only switches of src/config/env.ts).
  const narwhalPeer = (name, label, app, flags = [], env = {}, pkg = null) => ({
    name,
    label,
    why: () => (!existsSync(narwhal) ? 'dist/ is missing (npm run build)' : pkg && !resolvePackage(pkg) ? `npm package ${pkg} is not installed (npm ci)` : null),
    start: ({ node, port, workers }) =>
      startGroup(node, [narwhal, path.join(bench, app), '--workers', String(workers), '--bind', `127.0.0.1:${port}`, '--log-level', 'warning', ...flags], {
        cwd: root,
        env: { ...process.env, NARWHAL_CMD_ARGS: '', PORT: '', WEB_CONCURRENCY: '', ...env },
      }),
  });
  return [
    clusterPeer('node', 'node:http + cluster', 'node', null),
    // Lower bounds, not servers (apps/floors.mjs): right after the baseline so they are read first.
    clusterPeer('floor-js-read', 'floor: node:http reading the socket in JS', 'floor-js-read', null),
    clusterPeer('floor-fetch', "floor: net + Node's Response (no parsing)", 'floor-fetch', null),
    clusterPeer('floor-contract', 'floor: the fetch contract on the stream handle (no parsing)', 'floor-contract', null),
    {
      name: 'pm2',
      label: 'PM2 cluster mode',
      why: () => (resolvePackage('pm2/package.json') ? null : 'npm package pm2 is not installed (npm ci)'),
      start: ({ node, port, workers }) => startPm2(node, port, workers, path.join(bench, 'pm2-hello.cjs')),
    },
    clusterPeer('hono', '@hono/node-server + cluster', 'hono', '@hono/node-server'),
    clusterPeer('srvx', 'srvx + cluster', 'srvx', 'srvx'),
    // The default rows pass no --http-parser: `auto` picks the strict parser for fetch-style apps on plain HTTP/1.1, native for node-style.
    narwhalPeer('narwhal-fetch', 'Narwhal, fetch-style, strict parser (default)', 'narwhal-fetch.mjs', []),
    narwhalPeer('narwhal-fetch-native', 'Narwhal, fetch-style, native parser', 'narwhal-fetch.mjs', ['--http-parser', 'native']),
    narwhalPeer('narwhal-node', 'Narwhal, node-style, strict parser', 'narwhal-node.mjs', ['--http-parser', 'strict']),
    narwhalPeer('narwhal-node-native', 'Narwhal, node-style, native parser (default)', 'narwhal-node.mjs', []),
    // What Gunicorn's checks on the parsed head cost: the row above without them (never for production).
    narwhalPeer('narwhal-node-native-unchecked', 'Narwhal, node-style, native, checks off', 'narwhal-node.mjs', ['--http-parser', 'native'], { NARWHAL_BENCH_UNCHECKED_HEADS: '1' }),
    // The same unchanged script that calls app.listen() itself, under each.
    {
      name: 'pm2-express-listen',
      label: 'Express listen() app, PM2 cluster',
      why: () => (!resolvePackage('pm2/package.json') ? 'npm package pm2 is not installed (npm ci)' : !resolvePackage('express') ? 'npm package express is not installed (npm ci)' : null),
      start: ({ node, port, workers }) => startPm2(node, port, workers, path.join(bench, 'express-listen.cjs')),
    },
    narwhalPeer('narwhal-express-listen', 'Express listen() app, Narwhal', 'express-listen.cjs', [], {}, 'express'),
    {
      name: 'gunicorn',
      label: 'Gunicorn (sync workers, WSGI)',
      why: () => (which('gunicorn') ? null : 'gunicorn is not installed (apt-get install gunicorn)'),
      start: ({ port, workers }) =>
        startGroup('gunicorn', ['--workers', String(workers), '--bind', `127.0.0.1:${port}`, '--log-level', 'warning', '--chdir', bench, 'hello_wsgi:app'], { cwd: root }),
    },
  ];
}

/** PM2 runs a daemon (the "God" process) that forks the app instances; its pid is the master. */
function startPm2(node, port, workers, script) {
  const home = mkdtempSync(path.join(os.tmpdir(), 'narwhal-bench-pm2-'));
  const cli = path.join(path.dirname(resolvePackage('pm2/package.json')), 'bin/pm2');
  const env = { ...process.env, PM2_HOME: home, BENCH_PORT: String(port), PORT: String(port) };
  const r = spawnSync(node, [cli, 'start', script, '-i', String(workers), '--name', 'hello'], { env, encoding: 'utf8' });
  const pidFile = path.join(home, 'pm2.pid');
  if (r.status !== 0 || !existsSync(pidFile)) throw new Error(`pm2 start failed: ${r.stderr || r.stdout}`);
  const pid = Number(spawnSync('cat', [pidFile], { encoding: 'utf8' }).stdout.trim());
  return {
    pid,
    stderr: () => r.stderr,
    exited: () => !existsSync(`/proc/${pid}`),
    async stop() {
      spawnSync(node, [cli, 'kill'], { env, encoding: 'utf8' });
      rmSync(home, { recursive: true, force: true });
    },
  };
}
