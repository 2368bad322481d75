#!/usr/bin/env node
// `npm run bench`: wrk against Narwhal and its peers side by side, same hello
// app and worker count, keep-alive and connection-per-request, interleaved
// repetitions, medians and ratios against raw node:http. A script, not a test.

import { spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { measure, median, probe, processTree } from './bench/measure.mjs';
import { peers } from './bench/peers.mjs';
import { machine, renderMarkdown, renderTable } from './bench/report.mjs';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

const HELP = `usage: npm run bench -- [options]
  --duration SECONDS     each wrk run (default 4)
  --connections N        wrk connections (default 50)
  --threads N            wrk threads (default 1)
  --workers N            server workers for every peer (default 2)
  --reps N               interleaved repetitions; medians are reported (default 3)
  --node PATH            also run the whole bench on this node binary (repeatable)
  --only a,b             only these peers (node is always included as the baseline):
                         ${peers(ROOT).map((p) => p.name).join(', ')}
  --modes keepalive,close  which connection modes (default both)
  --markdown FILE        write the tables, machine and command to FILE (e.g. docs/benchmarks.md)`;

function options() {
  const { values } = parseArgs({
    options: {
      duration: { type: 'string', default: '4' },
      connections: { type: 'string', default: '50' },
      threads: { type: 'string', default: '1' },
      workers: { type: 'string', default: '2' },
      reps: { type: 'string', default: '3' },
      node: { type: 'string', multiple: true, default: [] },
      only: { type: 'string' },
      modes: { type: 'string', default: 'keepalive,close' },
      markdown: { type: 'string' },
      help: { type: 'boolean', default: false },
    },
  });
  if (values.help) {
    console.log(HELP);
    process.exit(0);
  }
  const int = (name) => {
    const n = Number(values[name]);
    if (!Number.isInteger(n) || n < 1) {
      console.error(`bench: --${name} must be a positive integer, got ${values[name]}`);
      process.exit(2);
    }
    return n;
  };
  return {
    seconds: int('duration'),
    connections: int('connections'),
    threads: int('threads'),
    workers: int('workers'),
    reps: int('reps'),
    nodes: [process.execPath, ...values.node],
    only: values.only ? new Set(['node', ...values.only.split(',')]) : null,
    modes: values.modes.split(',').map((m) => ({ keepalive: { name: 'keep-alive', close: false }, close: { name: 'Connection: close', close: true } })[m] ?? bad(m)),
    markdown: values.markdown,
  };
}

function bad(mode) {
  console.error(`bench: unknown mode ${mode} (keepalive, close)`);
  process.exit(2);
}

function freePort() {
  return new Promise((resolve, reject) => {
    const s = net.createServer().listen(0, '127.0.0.1', () => {
      const { port } = s.address();
      s.close(() => resolve(port));
    });
    s.once('error', reject);
  });
}

async function waitReady(server, port, workers, label) {
  const deadline = Date.now() + 30_000;
  for (;;) {
    if (server.exited()) throw new Error(`${label} exited during startup: ${server.stderr()}`);
    // Ready = answering, with every worker forked (master + workers at least).
    if ((await probe(port)) === 200 && processTree(server.pid).length >= workers + 1) return;
    if (Date.now() > deadline) throw new Error(`${label} not ready after 30 s: ${server.stderr()}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

async function startAll(node, opts) {
  const running = [];
  const skipped = [];
  for (const peer of peers(ROOT)) {
    if (opts.only && !opts.only.has(peer.name)) continue;
    const why = peer.why();
    if (why) {
      skipped.push({ peer, why });
      continue;
    }
    try {
      const port = await freePort();
      const server = peer.start({ node, port, workers: opts.workers });
      running.push({ peer, port, server });
      await waitReady(server, port, opts.workers, peer.label);
    } catch (e) {
      const last = running.at(-1);
      if (last?.peer === peer) {
        running.pop();
        await last.server.stop();
      }
      skipped.push({ peer, why: String(e.message).split('\n')[0] });
    }
  }
  return { running, skipped };
}

async function benchOneNode(node, opts) {
  const version = spawnSync(node, ['--version'], { encoding: 'utf8' }).stdout.trim();
  console.error(`\n== ${version} (${node})`);
  const { running, skipped } = await startAll(node, opts);
  for (const s of skipped) console.error(`  skipped ${s.peer.label}: ${s.why}`);
  const results = new Map(); // `${mode}|${peer}` -> runs
  try {
    for (const mode of opts.modes) {
      for (const r of running) await measure(r.server, { port: r.port, seconds: 1, connections: opts.connections, threads: opts.threads, close: mode.close });
    }
    for (let rep = 0; rep < opts.reps; rep++) {
      for (const mode of opts.modes) {
        // Rotate the order each repetition so no peer always runs first or last.
        const order = running.map((_, i) => running[(i + rep) % running.length]);
        for (const r of order) {
          const m = await measure(r.server, { port: r.port, seconds: opts.seconds, connections: opts.connections, threads: opts.threads, close: mode.close });
          const key = `${mode.name}|${r.peer.name}`;
          if (!results.has(key)) results.set(key, []);
          results.get(key).push(m);
          console.error(`  rep ${rep + 1} ${mode.name.padEnd(17)} ${r.peer.label.padEnd(42)} ${m.rps.toFixed(0).padStart(7)} req/s ${m.cpuUsPerReq.toFixed(1).padStart(6)} us CPU/req`);
        }
      }
    }
  } finally {
    for (const r of running) await r.server.stop();
  }
  const rows = opts.modes.map((mode) => {
    const summary = (name) => {
      const runs = results.get(`${mode.name}|${name}`) ?? [];
      return {
        rps: median(runs.map((m) => m.rps)),
        cpu: median(runs.map((m) => m.cpuUsPerReq)),
        errors: runs.reduce((a, m) => a + m.non2xx + m.socketErrors, 0),
      };
    };
    // Each repetition's runs are compared with that repetition's node:http run, and the ratios' median is
    // reported: the machine's speed drifts over minutes, and a ratio taken within one repetition drifts less.
    const baseRuns = results.get(`${mode.name}|node`) ?? [];
    const ratio = (name, field) => median((results.get(`${mode.name}|${name}`) ?? []).map((m, i) => m[field] / baseRuns[i][field]));
    return {
      mode: mode.name,
      peers: running.map((r) => {
        const s = summary(r.peer.name);
        return { label: r.peer.label, name: r.peer.name, ...s, rpsRatio: ratio(r.peer.name, 'rps'), cpuRatio: ratio(r.peer.name, 'cpuUsPerReq') };
      }),
    };
  });
  return { version, rows, skipped: skipped.map((s) => ({ label: s.peer.label, why: s.why })) };
}

const opts = options();
const loadAtStart = os.loadavg();
const runs = [];
for (const node of opts.nodes) runs.push(await benchOneNode(node, opts));
const info = machine(opts, runs, loadAtStart);
for (const run of runs) console.log(renderTable(run));
if (opts.markdown) {
  const command = `npm run bench -- ${process.argv.slice(2).join(' ')}`.trim();
  writeFileSync(path.resolve(ROOT, opts.markdown), renderMarkdown(runs, info, command));
  console.error(`wrote ${opts.markdown}`);
}
