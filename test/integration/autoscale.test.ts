// Autoscaling against real workers: a load that saturates the fleet grows it
// to --max-workers (new workers taking their share through shedding), the
// quiet after it shrinks it back to --workers one graceful drain at a time,
// with no failed request; a steady load changes the count a bounded number of
// times; the memory guard holds the count. Short periods come from settings.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import dgram from 'node:dgram';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { FIXTURES, runNarwhal, startServer, waitFor, type Server } from '../helpers/narwhal.js';
import { startLoad } from '../helpers/load.js';
import { request } from '../helpers/http.js';

const BUSY = path.join(FIXTURES, 'busy.mjs');

interface Stats {
  master: { targetWorkers: number; scaling: { autoscaling: boolean; minWorkers: number; maxWorkers: number; readyWorkers: number; utilisation: number; backlog: { queued: number | null }[]; fleetRssMiB: number; changes: number; lastChange: { reason: string } | null } };
  workers: { pid: number; state: string; requestsServed: number; utilisation?: number }[];
}

/** A server with a control socket, removed with its directory after the test. */
async function start(t: { after: (fn: () => Promise<void> | void) => void }, args: string[]): Promise<{ server: Server; stats: () => Promise<Stats> }> {
  const dir = mkdtempSync(path.join(tmpdir(), 'narwhal-autoscale-'));
  const sock = path.join(dir, 'ctl.sock');
  const server = await startServer([BUSY, '--ctl-socket', sock, '--scale-interval', '0.2', '--keep-alive', '10', ...args]);
  t.after(async () => {
    await server.stop();
    rmSync(dir, { recursive: true, force: true });
  });
  const stats = async () => {
    const run = await runNarwhal(['ctl', '--ctl-socket', sock, 'stats']);
    assert.equal(run.code, 0, run.output);
    return JSON.parse(run.output) as Stats;
  };
  return { server, stats };
}

const changes = (server: Server) => server.count(/Autoscaling (up|down) to/);

/** A statsd listener on an OS port: every datagram it got, joined. */
async function statsdListener(t: { after: (fn: () => void) => void }): Promise<{ port: number; text: () => string }> {
  const socket = dgram.createSocket('udp4');
  let text = '';
  socket.on('message', (m) => (text += `${m.toString()}\n`));
  await new Promise<void>((resolve) => socket.bind(0, '127.0.0.1', resolve));
  t.after(() => socket.close());
  return { port: socket.address().port, text: () => text };
}

test('a saturating load grows the fleet to the maximum, the quiet after it shrinks it to the minimum, no request fails', async (t) => {
  const statsd = await statsdListener(t);
  const { server, stats } = await start(t, [
    '--workers', '1', '--max-workers', '3', '--scale-up-after', '0.5', '--scale-down-after', '1.5', '--scale-up-busy', '70', '--scale-down-busy', '25',
    '--statsd-host', `127.0.0.1:${statsd.port}`, '--metrics-bind', '127.0.0.1:0',
  ]);
  const metricsUrl = (await server.waitForLog(/Metrics at: (http:\/\/127\.0\.0\.1:\d+)/))[1]!;
  // The listener's row reads as LISTEN once a worker has called listen(2) on it.
  await waitFor('the listen backlog read', async () => (await stats()).master.scaling.backlog[0]!.queued !== null, 10_000, 100);
  const idle = await stats();
  assert.equal(idle.master.scaling.autoscaling, true);
  assert.deepEqual([idle.master.scaling.minWorkers, idle.master.scaling.maxWorkers, idle.master.targetWorkers], [1, 3, 1]);
  assert.ok(idle.master.scaling.backlog[0]!.queued === 0, JSON.stringify(idle.master.scaling.backlog));

  const load = startLoad(server.url, { concurrency: 6, path: '/work?ms=4', maxMs: 60_000 });
  try {
    await server.waitForLog(/Autoscaling up to 2 workers: all 1 worker busy \(least \d+% >= 70%\) for \d\.\d s/, 20_000);
    await server.waitForLog(/Autoscaling up to 3 workers: /, 30_000);
    // The kept-alive connections were pinned to the first worker: the new ones serve only if it shed some.
    const busy = await waitFor('every worker serving', async () => {
      const s = await stats();
      const ready = s.workers.filter((w) => w.state === 'ready');
      return ready.length === 3 && ready.every((w) => w.requestsServed > 0) && s;
    }, 20_000, 200);
    assert.equal(busy.master.targetWorkers, 3);
    assert.ok(busy.master.scaling.utilisation > 0.3, `utilisation ${busy.master.scaling.utilisation}`);
    assert.match(server.output, /asking it to shed \d+ kept-alive connection/);
    const metrics = (await request(`${metricsUrl}/metrics`)).body;
    assert.match(metrics, /^narwhal_workers_target 3$/m);
    assert.match(metrics, /^narwhal_workers_max 3$/m);
    assert.match(metrics, /^narwhal_worker_utilization 0\.\d+|^narwhal_worker_utilization 1$/m);
    assert.match(metrics, /^narwhal_listen_backlog\{listener="http:\/\/127\.0\.0\.1:\d+"\} \d+$/m);
    await waitFor('statsd gauges', () => /^narwhal\.workers\.target:3\|g$/m.test(statsd.text()) && /^narwhal\.utilisation:\d+\|g$/m.test(statsd.text()) && /^narwhal\.backlog:\d+\|g$/m.test(statsd.text()));
  } finally {
    const result = await load.stop();
    assert.deepEqual(result.failures, [], 'no request failed while growing');
    assert.ok(result.pids.size >= 3, `answers came from ${result.pids.size} workers`);
  }
  assert.equal(server.count(/Autoscaling up to 4/), 0, 'never past the maximum');

  await server.waitForLog(/Autoscaling down to 2 workers: quiet for \d\.\d s \(busiest \d+% < 25%\)/, 20_000);
  await server.waitForLog(/Autoscaling down to 1 worker: /, 20_000);
  const after = await waitFor('one worker left', async () => {
    const s = await stats();
    return s.workers.length === 1 && s;
  }, 20_000, 200);
  assert.equal(after.master.targetWorkers, 1);
  assert.equal(server.count(/Autoscaling down to 0/), 0, 'never below the minimum');
  // Retired through the graceful drain: the master reports no crash or kill.
  assert.doesNotMatch(server.output, /WORKER TIMEOUT|was sent SIGKILL|exited with code [1-9]/);
});

test('a steady load below saturation changes the count a bounded number of times', async (t) => {
  const { server, stats } = await start(t, ['--workers', '1', '--max-workers', '4', '--scale-up-after', '0.5', '--scale-down-after', '1', '--scale-up-busy', '80', '--scale-down-busy', '10']);
  // Two paced clients: together close to one worker's worth of time, so about half of each of two.
  const load = startLoad(server.url, { concurrency: 2, path: '/work?ms=5', pauseMs: 3, maxMs: 60_000 });
  try {
    const before = load.ok;
    // Judged over a fixed amount of work: ~40 samples at --scale-interval 0.2.
    await waitFor('1200 requests', () => load.ok - before >= 1200, 40_000, 100);
  } finally {
    const result = await load.stop();
    assert.deepEqual(result.failures, []);
  }
  const n = changes(server);
  // Unbounded flapping would change the count every couple of periods; hysteresis allows a step up, at most one more.
  assert.ok(n <= 2, `${n} changes:\n${server.output.split('\n').filter((l) => /Autoscaling/.test(l)).join('\n')}`);
  assert.ok((await stats()).master.scaling.changes === n);
});

test('the memory guard holds the count while the workers use more than --max-fleet-memory', async (t) => {
  const { server, stats } = await start(t, ['--workers', '1', '--max-workers', '3', '--scale-up-after', '0.3', '--max-fleet-memory', '1']);
  const load = startLoad(server.url, { concurrency: 4, path: '/work?ms=4', maxMs: 60_000 });
  try {
    await server.waitForLog(/Autoscaling holds at 1 worker: all 1 worker busy .* but the workers use \d+ MiB, at or above --max-fleet-memory 1 MiB/, 20_000);
    const at = load.ok;
    await waitFor('500 more requests', () => load.ok - at >= 500, 30_000, 100);
    const s = await stats();
    assert.equal(s.master.targetWorkers, 1);
    assert.ok(s.master.scaling.fleetRssMiB > 1);
  } finally {
    assert.deepEqual((await load.stop()).failures, []);
  }
  assert.equal(server.bootedPids().length, 1, 'no worker was added');
  assert.equal(changes(server), 0);
  // Told once per held episode: a busy machine may end and restart the saturation a few times, never per evaluation.
  assert.ok(server.count(/Autoscaling holds/) <= 3, 'the hold is told once per episode, not per evaluation');
});
