// The autoscaling bench: a step from idle to a CPU-bound load, run against a
// fixed minimum fleet, a fixed maximum fleet and an autoscaled one (min..max),
// interleaved for a few rounds. Prints, per fleet: p50/p99 latency of the
// requests started 5 s or more after the step, seconds until the new count
// was ready, idle memory (the whole process tree's RSS) before the step and,
// autoscaled, once it has shrunk back. Usage:
//   npm run bench:autoscale [-- --min 1 --max 2 --rounds 2 --connections 8 --ms 3 --seconds 12 --stagger 25]
// Connections open `stagger` ms apart: opened all at once, the kernel tends to
// hand every one to the same idle worker, and a fixed fleet then serves from one.

import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { median, processTree } from './bench/measure.mjs';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const { values: o } = parseArgs({
  options: {
    min: { type: 'string', default: '1' },
    max: { type: 'string', default: '2' },
    rounds: { type: 'string', default: '2' },
    connections: { type: 'string', default: '8' },
    ms: { type: 'string', default: '3' },
    seconds: { type: 'string', default: '12' },
    'down-after': { type: 'string', default: '5' },
    stagger: { type: 'string', default: '25' },
  },
});
const [min, max, rounds, seconds] = [Number(o.min), Number(o.max), Number(o.rounds), Number(o.seconds)];
const SETTLE_MS = 5000;
const narwhal = path.join(root, 'dist/bin/narwhal.js');
const app = path.join(root, 'test/fixtures/apps/busy.mjs');

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const rssKiB = (pid) => Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1] ?? 0);
const treeRssMiB = (pid) => processTree(pid).reduce((a, p) => a + (() => { try { return rssKiB(p); } catch { return 0; } })(), 0) / 1024;

function run(cmd, args) {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    child.stdout.setEncoding('utf8').on('data', (d) => (out += d));
    child.once('close', (code) => (code === 0 ? resolve(out) : reject(new Error(`${args.join(' ')} exited ${code}`))));
  });
}

async function start(args) {
  const dir = mkdtempSync(path.join(tmpdir(), 'narwhal-bench-autoscale-'));
  const sock = path.join(dir, 'ctl.sock');
  const child = spawn(process.execPath, [narwhal, app, '--bind', '127.0.0.1:0', '--ctl-socket', sock, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  let log = '';
  child.stdout.on('data', (d) => (log += d));
  child.stderr.on('data', (d) => (log += d));
  const stats = async () => JSON.parse(await run(process.execPath, [narwhal, 'ctl', '--ctl-socket', sock, 'stats']));
  const until = async (what, check, ms = 60_000) => {
    for (const end = Date.now() + ms; Date.now() < end; await sleep(100)) if (await check()) return;
    throw new Error(`timed out waiting for ${what}:\n${log}`);
  };
  for (const end = Date.now() + 20_000; !/Listening at: http:\/\/127\.0\.0\.1:(\d+)/.test(log); await sleep(20)) if (Date.now() > end) throw new Error(log);
  const port = Number(/Listening at: http:\/\/127\.0\.0\.1:(\d+)/.exec(log)[1]);
  const ready = async (n) => (await stats()).workers.filter((w) => w.state === 'ready').length === n;
  return { child, port, stats, until, ready, log: () => log, close: () => (child.kill('SIGTERM'), new Promise((r) => child.once('close', r)).then(() => rmSync(dir, { recursive: true, force: true }))) };
}

async function once(mode) {
  const args = mode === 'fixed-min' ? ['--workers', String(min)] : mode === 'fixed-max' ? ['--workers', String(max)] : ['--workers', String(min), '--max-workers', String(max), '--scale-down-after', o['down-after']];
  const startCount = mode === 'fixed-max' ? max : min;
  const server = await start(args);
  try {
    await server.until(`${startCount} ready workers`, () => server.ready(startCount));
    await sleep(1000); // idle: let boot-time garbage settle before reading memory
    const idleMiB = treeRssMiB(server.child.pid);
    const step = Date.now();
    const load = run(process.execPath, [path.join(root, 'scripts/bench/step-load.mjs'), String(server.port), `/work?ms=${o.ms}`, o.connections, String(seconds), o.stagger]);
    let reachedS = mode === 'autoscaled' ? NaN : 0;
    if (mode === 'autoscaled') {
      await server.until(`${max} ready workers`, () => server.ready(max), seconds * 1000).then(() => (reachedS = (Date.now() - step) / 1000), () => {});
    }
    const { starts, latencies, pids, failures } = JSON.parse(await load);
    const late = (_, i) => starts[i] >= SETTLE_MS;
    const after = latencies.filter(late).sort((a, b) => a - b);
    const byPid = new Map();
    for (const pid of pids.filter(late)) byPid.set(pid, (byPid.get(pid) ?? 0) + 1);
    const busiestShare = Math.max(...byPid.values()) / after.length;
    const q = (p) => after[Math.min(after.length - 1, Math.floor(p * after.length))];
    let idleAfterMiB = NaN;
    if (mode === 'autoscaled') {
      await server.until(`back to ${min} workers`, async () => (await stats(server)).workers.length === min, 120_000);
      await sleep(1000);
      idleAfterMiB = treeRssMiB(server.child.pid);
    }
    return { p50: q(0.5), p99: q(0.99), rps: after.length / ((seconds * 1000 - SETTLE_MS) / 1000), busiestShare, reachedS, idleMiB, idleAfterMiB, failures };
  } finally {
    await server.close();
  }
}
const stats = (server) => server.stats();

const modes = ['fixed-min', 'fixed-max', 'autoscaled'];
const results = Object.fromEntries(modes.map((m) => [m, []]));
for (let r = 0; r < rounds; r++) {
  for (const m of modes) {
    const res = await once(m);
    results[m].push(res);
    process.stderr.write(`round ${r + 1} ${m}: ${JSON.stringify(res)}\n`);
  }
}

const pick = (m, k) => median(results[m].map((x) => x[k]));
const fmt = (v, d = 1) => (Number.isFinite(v) ? v.toFixed(d) : '-');
console.log(`Node ${process.version}; step from idle to ${o.connections} kept-alive connections (opened ${o.stagger} ms apart) of /work?ms=${o.ms} (CPU-bound) for ${seconds} s; fleets ${min} / ${max} / ${min}..${max}; medians of ${rounds} interleaved rounds; latency of requests started ${SETTLE_MS / 1000} s or more after the step`);
console.log('');
console.log('| fleet | p50 ms | p99 ms | p99 / fixed-max | req/s | busiest worker\'s share | s to new count | idle MiB before | idle MiB after | failed |');
console.log('| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |');
for (const m of modes) {
  const label = m === 'fixed-min' ? `fixed-min (${min})` : m === 'fixed-max' ? `fixed-max (${max})` : `autoscaled (${min}..${max})`;
  const ratio = median(results[m].map((x, i) => x.p99 / results['fixed-max'][i].p99));
  console.log(`| ${label} | ${fmt(pick(m, 'p50'))} | ${fmt(pick(m, 'p99'))} | ${fmt(ratio, 2)} | ${fmt(pick(m, 'rps'), 0)} | ${fmt(pick(m, 'busiestShare') * 100, 0)}% | ${m === 'autoscaled' ? fmt(pick(m, 'reachedS')) : '-'} | ${fmt(pick(m, 'idleMiB'), 0)} | ${m === 'autoscaled' ? fmt(pick(m, 'idleAfterMiB'), 0) : '-'} | ${results[m].reduce((a, x) => a + x.failures, 0)} |`);
}
