// Running out of file descriptors: a worker whose RLIMIT_NOFILE is lowered
// (prlimit on the running process) and then flooded with held connections
// keeps running, says so once per burst, and serves again once they close.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { FIXTURES, alive, startServer, waitFor } from '../../helpers/narwhal.js';
import { request } from '../../helpers/http.js';

const hasPrlimit = ['/usr/bin/prlimit', '/bin/prlimit'].some(existsSync);

function connect(port: number): Promise<net.Socket> {
  return new Promise((resolve) => {
    const s = net.connect(port, '127.0.0.1');
    s.on('error', () => {});
    s.once('connect', () => resolve(s));
    s.once('close', () => resolve(s));
  });
}

/** The worker's descriptor count once it and its thread count have held still for a second. */
async function settledDescriptors(pid: number): Promise<number> {
  let last = '';
  let since = Date.now();
  return waitFor(
    'the worker to settle',
    () => {
      const threads = /^Threads:\s+(\d+)/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1];
      const now = `${readdirSync(`/proc/${pid}/fd`).length}/${threads}`;
      if (now !== last) [last, since] = [now, Date.now()];
      return Date.now() - since >= 1000 && Number(now.split('/')[0]);
    },
    15_000,
    100,
  );
}

for (const app of ['echo-fetch.mjs', 'echo-node.mjs']) {
  test(`out of file descriptors (${app}, RLIMIT_NOFILE lowered by prlimit): the worker keeps running, logs it once, and serves again when descriptors free up`, { skip: !hasPrlimit ? 'prlimit (util-linux) is not installed' : false }, async () => {
    const server = await startServer([path.join(FIXTURES, app), '-w', '1', '--header-timeout', '30']);
    const [worker] = server.readyPids();
    const sockets: net.Socket[] = [];
    try {
      assert.equal((await request(`${server.url}/`, { agent: false })).status, 200);
      // The watchdog thread starts after ready and opens descriptors of its own: lower the limit once it has.
      const open = await settledDescriptors(worker!);
      const limit = open + 16;
      execFileSync('prlimit', ['--pid', String(worker), `--nofile=${limit}:${limit}`]);
      // Two bursts of held connections, far more than the worker has descriptors for.
      for (let burst = 0; burst < 2; burst++) {
        for (let i = 0; i < 60; i++) sockets.push(await connect(server.port));
        await waitFor('the out-of-descriptors line', () => server.count(/: EMFILE: this worker is out of file descriptors/) === burst + 1, 15_000);
        assert.ok(alive(worker!), 'the worker is alive while out of descriptors');
        for (const s of sockets.splice(0)) s.destroy();
        await waitFor('the end of the burst', () => server.count(/has file descriptors again after [\d.]+ s; accepting normally/) === burst + 1, 15_000);
        const r = await request(`${server.url}/after-burst-${burst}`, { agent: false });
        assert.equal(r.status, 200);
        assert.equal(server.count(/: EMFILE: this worker is out of file descriptors/), burst + 1, 'one line per burst');
      }
      assert.deepEqual(server.readyPids(), [worker], 'the same worker served throughout');
      assert.equal(server.count(/Uncaught exception/), 0);
    } catch (err) {
      throw new Error(`${(err as Error).message}\n--- server output ---\n${server.output.split('\n').slice(-30).join('\n')}`);
    } finally {
      for (const s of sockets) s.destroy();
      await server.stop();
    }
  });
}
