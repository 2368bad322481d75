// --user/--group: the master binds and keeps its user; the workers run as the
// given user and group. Needs root to switch users, so it is skipped otherwise.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { FIXTURES, runNarwhal, startServer } from '../helpers/narwhal.js';
import { request } from '../helpers/http.js';

const ECHO = path.join(FIXTURES, 'echo.mjs');
const isRoot = process.getuid?.() === 0;

function ids(pid: number): { uid: number; gid: number } {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  return { uid: Number(/^Uid:\s+(\d+)/m.exec(status)![1]), gid: Number(/^Gid:\s+(\d+)/m.exec(status)![1]) };
}

test('workers run as --user/--group, the master keeps its user', { skip: !isRoot && 'needs root' }, async () => {
  const server = await startServer([ECHO, '--user', '65534', '--group', '65534'], { workers: 1 });
  try {
    const [worker] = server.readyPids();
    assert.equal((await request(server.url)).body, String(worker));
    assert.deepEqual(ids(worker!), { uid: 65534, gid: 65534 });
    assert.equal(ids(server.pid).uid, 0);
  } finally {
    await server.stop();
  }
});

test('an unknown --user is a one-line error with exit code 2', async () => {
  const r = await runNarwhal([ECHO, '--bind', '127.0.0.1:0', '--user', 'no-such-user-narwhal']);
  assert.equal(r.code, 2);
  assert.match(r.output, /narwhal: error: no such user "no-such-user-narwhal" \(--user\)/);
  assert.doesNotMatch(r.output, /\n\s+at /);
});
