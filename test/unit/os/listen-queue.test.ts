import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { test, type TestContext } from 'node:test';
import { holdsSocket, queuedOn, queuedUnlessHeldBy, readBacklogs } from '../../../src/os/listen-queue.js';
import { bindAll } from '../../../src/master/listeners.js';

// As in production: this process binds (the master), a child listens on the
// inherited fd and does not accept (a worker whose loop is blocked).
const BLOCKED_LISTENER = `
const net = require('node:net');
net.createServer().listen({ fd: 3, backlog: 7 }, () => {
  process.stdout.write('listening\\n');
  const end = Date.now() + 20000;
  while (Date.now() < end) {}
});`;

/** A bound listener with a blocked child on it, and clients that connect into its queue; all stopped after the test. */
async function blockedListener(t: TestContext) {
  const [listener] = await bindAll(['127.0.0.1:0'], 0);
  const child = spawn(process.execPath, ['-e', BLOCKED_LISTENER], { stdio: ['ignore', 'pipe', 'inherit', listener!.fd] });
  const clients: net.Socket[] = [];
  t.after(() => {
    for (const c of clients) c.destroy();
    child.kill('SIGKILL');
    listener!.close();
  });
  await new Promise<void>((resolve) => child.stdout!.on('data', (d: Buffer) => d.includes('listening') && resolve()));
  const port = Number(/:(\d+)$/.exec(listener!.label)![1]);
  const connect = async (n: number) => {
    for (let i = 0; i < n; i++) {
      const c = net.connect(port, '127.0.0.1');
      clients.push(c);
      await new Promise((resolve) => c.once('connect', resolve));
    }
  };
  return { listener: listener!, child, connect };
}

test('a TCP listener\'s accept queue is read from /proc/net/tcp; its limit is the backlog asked for', { skip: process.platform !== 'linux' }, async (t) => {
  const { listener, connect } = await blockedListener(t);
  assert.deepEqual(readBacklogs([listener], 7), [{ label: listener.label, queued: 0, limit: 7 }]);
  await connect(3);
  assert.deepEqual(readBacklogs([listener], 7), [{ label: listener.label, queued: 3, limit: 7 }]);
});

test('a unix socket has no readable backlog: null, not 0', async (t) => {
  const dir = mkdtempSync(path.join(tmpdir(), 'backlog-'));
  const [listener] = await bindAll([`unix:${path.join(dir, 's.sock')}`], 0);
  t.after(() => (listener!.close(), rmSync(dir, { recursive: true, force: true })));
  assert.deepEqual(readBacklogs([listener!], 7), [{ label: listener!.label, queued: null, limit: null }]);
});

test('queuedOn reads one fd\'s accept queue, and null for a fd that is not a TCP listener', { skip: process.platform !== 'linux' }, async (t) => {
  const { listener, connect } = await blockedListener(t);
  assert.equal(queuedOn(listener.fd), 0);
  await connect(2);
  assert.equal(queuedOn(listener.fd), 2);
  assert.equal(queuedOn(0), null);
});

test('holdsSocket tells whether another process holds the same listening socket', { skip: process.platform !== 'linux' }, async (t) => {
  const { listener, child: holder } = await blockedListener(t);
  const other = spawn(process.execPath, ['-e', 'setTimeout(() => {}, 20000)'], { stdio: 'ignore' });
  t.after(() => other.kill('SIGKILL'));
  assert.equal(holdsSocket(holder.pid!, listener.fd), true);
  assert.equal(holdsSocket(other.pid!, listener.fd), false);
  // While the holder has it, a drain has nothing to wait for: closing resets nothing.
  assert.equal(queuedUnlessHeldBy(holder.pid!)(listener.fd), null);
  assert.equal(queuedUnlessHeldBy(other.pid!)(listener.fd), 0);
});
