// --max-worker-memory under an app that grows on every request: once over the
// limit a worker takes no new connection, finishes what it holds and exits,
// so its RSS (sampled from /proc) stays near the limit; no request fails.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import { FIXTURES, startServer } from '../helpers/narwhal.js';
import { request } from '../helpers/http.js';

const MIB = 1024 * 1024;

function rssOf(pid: number): number {
  try {
    const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Number(m[1]) * 1024 : 0;
  } catch {
    return 0;
  }
}

test('--max-worker-memory 200: workers growing 10 MiB a request stay within the limit plus what they already hold', async () => {
  const limit = 200;
  const grow = 10;
  const concurrency = 4;
  const total = 160;
  const server = await startServer([path.join(FIXTURES, 'echo.mjs'), '-w', '2', '--max-worker-memory', String(limit), '--keep-alive', '5'], { workers: 2 });
  const peaks = new Map<number, number>();
  const sampler = setInterval(() => {
    for (const pid of server.bootedPids()) peaks.set(pid, Math.max(peaks.get(pid) ?? 0, rssOf(pid)));
  }, 5);
  const agent = new http.Agent({ keepAlive: true, maxSockets: concurrency });
  const failures: string[] = [];
  let next = 0;
  const loop = async () => {
    while (next < total) {
      next++;
      const r = await request(`${server.url}/grow?mb=${grow}`, { agent, timeoutMs: 30_000 }).catch((e: Error) => ({ status: 0, body: e.message }));
      if (r.status !== 200) failures.push(`${r.status} ${r.body}`);
    }
  };
  try {
    await Promise.all(Array.from({ length: concurrency }, loop));
  } finally {
    clearInterval(sampler);
    agent.destroy();
    await server.stop();
  }
  assert.deepEqual(failures, []);
  const wentDown = server.count(/is going down \(uses \d+ MiB of memory \(max 200 MiB\)\)/);
  assert.ok(wentDown >= 4, `${wentDown} workers went down for memory`);
  // A worker checks after each request; once over it accepts no connection, but
  // each connection it holds (one per client here) may bring one more request
  // (answered with Connection: close), and the ones in flight finish: at most
  // 2 x concurrency requests past the limit, plus 24 MiB for the allocator's slack.
  const bound = (limit + 2 * concurrency * grow + 24) * MIB;
  const peak = Math.max(...peaks.values());
  console.log(`# peak worker RSS ${(peak / MIB).toFixed(0)} MiB (bound ${(bound / MIB).toFixed(0)} MiB), ${wentDown} recycles for memory, ${total} requests of ${grow} MiB`);
  assert.ok(peak <= bound, `peak RSS ${(peak / MIB).toFixed(0)} MiB over ${(bound / MIB).toFixed(0)} MiB: ${JSON.stringify([...peaks].map(([p, r]) => [p, Math.round(r / MIB)]))}`);
});
