// USR1 when the log files cannot be reopened (their directory removed, or
// replaced by a file): master and workers keep serving on the old descriptors,
// each says so once (on stderr too), and a later USR1 reopens for real.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { FIXTURES, Narwhal, alive, waitFor } from '../helpers/narwhal.js';
import { request } from '../helpers/http.js';

const read = (file: string) => (existsSync(file) ? readFileSync(file, 'utf8') : '');

async function start(logs: string): Promise<{ n: Narwhal; url: string; workers: number[] }> {
  mkdirSync(logs, { recursive: true });
  const errorLog = path.join(logs, 'error.log');
  const n = new Narwhal([path.join(FIXTURES, 'echo.mjs'), '--bind', '127.0.0.1:0', '-w', '2', '--log-level', 'debug', '--error-logfile', errorLog, '--access-logfile', path.join(logs, 'access.log')]);
  const port = await waitFor(`narwhal listening, in ${errorLog}`, () => (n.exit ? Promise.reject(new Error(`exited: ${n.output}`)) : read(errorLog).match(/Listening at: http:\/\/127\.0\.0\.1:(\d+)/)?.[1]), 20_000);
  const workers = await waitFor('2 ready workers', () => {
    const pids = [...read(errorLog).matchAll(/Worker (\d+) is ready/g)].map((m) => Number(m[1]));
    return pids.length >= 2 && pids;
  }, 20_000);
  return { n, url: `http://127.0.0.1:${port}`, workers };
}

/** Several fresh connections, so both workers answer. */
async function assertServing(url: string): Promise<void> {
  for (let i = 0; i < 6; i++) assert.equal((await request(`${url}/`, { agent: false })).status, 200);
}

for (const [name, breakIt] of [
  ['removed', (logs: string) => rmSync(logs, { recursive: true, force: true })],
  // As root, chmod does not stop open(2): a file where the directory was does (ENOTDIR).
  ['replaced by a file', (logs: string) => (rmSync(logs, { recursive: true, force: true }), writeFileSync(logs, 'not a directory'))],
] as const) {
  test(`USR1 with the log directory ${name}: the server keeps serving, says so once, and reopens on a later USR1`, async () => {
    const logs = path.join(mkdtempSync(path.join(tmpdir(), 'narwhal-reopen-')), 'logs');
    const { n, url, workers } = await start(logs);
    try {
      await assertServing(url);
      breakIt(logs);
      n.signal('SIGUSR1');
      const failed = new RegExp(`\\[${n.pid}\\] \\[ERROR\\] Could not reopen the error log ${logs}/error\\.log: (ENOENT|ENOTDIR)`, 'g');
      await n.waitForLog(failed);
      for (const pid of workers) await n.waitForLog(new RegExp(`\\[${pid}\\] \\[ERROR\\] Could not reopen the error log`));
      assert.ok(alive(n.pid), 'the master is alive');
      await assertServing(url);
      assert.deepEqual(workers.map(alive), [true, true], 'the workers are the same and alive');
      assert.equal(n.count(failed), 1, 'the master reported it once');

      rmSync(logs, { recursive: true, force: true });
      mkdirSync(logs);
      n.signal('SIGUSR1');
      await waitFor('both workers to reopen into the new file', () => workers.every((pid) => read(path.join(logs, 'error.log')).includes(`Worker ${pid} reopened its log files`)));
      await request(`${url}/after-reopen`, { agent: false });
      await waitFor('the access line in the new access log', () => read(path.join(logs, 'access.log')).includes('/after-reopen'));
      assert.equal(n.count(failed), 1, 'no new failure after the directory came back');
    } finally {
      await n.stop();
    }
  });
}
