// Worker recycling under load: --max-requests (with jitter), --max-worker-memory
// and --max-worker-lifetime, each by a graceful drain behind a ready replacement
// (memory: the worker stops accepting at once; see memory-bound.test.ts).

import { test } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import { FIXTURES, startServer, waitFor, type Narwhal } from '../helpers/narwhal.js';
import { startLoad } from '../helpers/load.js';
import { request } from '../helpers/http.js';

const ECHO = path.join(FIXTURES, 'echo.mjs');

/** Every recycled worker was retired only after a replacement became ready. */
function assertReplacedBeforeRetired(server: Narwhal): void {
  // What the final TERM stops is not a recycle.
  const lines = server.output.split('Handling signal: term')[0]!.split('\n');
  for (const [i, line] of lines.entries()) {
    const m = line.match(/Recycling worker \(pid:(\d+)\)/);
    if (!m) continue;
    const exiting = lines.findIndex((l, j) => j > i && l.includes(`Worker exiting (pid: ${m[1]})`));
    if (exiting < 0) continue;
    assert.ok(lines.slice(i, exiting).some((l) => /Worker \d+ is ready/.test(l)), `worker ${m[1]} stopped before a replacement was ready`);
  }
}

test('--max-requests with jitter recycles workers under load without a failed request', async () => {
  const server = await startServer([ECHO, '--workers', '2', '--max-requests', '60', '--max-requests-jitter', '20'], { workers: 2 });
  const load = startLoad(server.url, { concurrency: 4, maxMs: 60_000 });
  try {
    await waitFor('6 recycles', () => server.count(/Recycling worker \(pid:\d+\): served (\d+) requests \(max (6\d|7\d|80)\)/) >= 6, 30_000);
  } finally {
    const result = await load.stop();
    await server.stop();
    assert.deepEqual(result.failures, []);
    assertReplacedBeforeRetired(server);
  }
});

test('--max-worker-memory recycles a worker that grew, after its request', async () => {
  const server = await startServer([ECHO, '--workers', '1', '--max-worker-memory', '150'], { workers: 1 });
  const load = startLoad(server.url, { concurrency: 3, maxMs: 60_000 });
  try {
    const [pid] = server.readyPids();
    const reply = await request(`${server.url}/grow?mb=200`);
    assert.equal(reply.body, `grew in ${pid}`);
    // Over the limit, the worker stops accepting at once (it does not wait for its replacement).
    await server.waitForLog(new RegExp(`Worker ${pid} is going down \\(uses \\d+ MiB of memory \\(max 150 MiB\\)\\)`));
    await server.waitForLog(new RegExp(`Worker ${pid} retired`));
    const before = load.ok;
    await waitFor('served by the replacement', () => load.ok > before + 20);
  } finally {
    const result = await load.stop();
    await server.stop();
    assert.deepEqual(result.failures, []);
  }
});

test('--max-worker-lifetime recycles workers under load without a failed request', async () => {
  const server = await startServer([ECHO, '--workers', '2', '--max-worker-lifetime', '1'], { workers: 2 });
  const load = startLoad(server.url, { concurrency: 4, maxMs: 60_000 });
  try {
    await waitFor('4 recycles', () => server.count(/Recycling worker \(pid:\d+\): reached its lifetime of 1 s/) >= 4, 30_000);
  } finally {
    const result = await load.stop();
    await server.stop();
    assert.deepEqual(result.failures, []);
    assertReplacedBeforeRetired(server);
  }
});
