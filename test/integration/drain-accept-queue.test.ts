// A stop must not reset connections the kernel completed but no worker had
// accepted yet: closing a listening socket's last fd resets its accept queue,
// so a client (or nginx) that connected a moment before the TERM would get
// ECONNRESET for a request it sent to a listening server. --worker-connections 1
// makes the queue deterministic: while one slow request is in flight the
// worker accepts nothing, and the next clients wait in the kernel's queue.

import assert from 'node:assert/strict';
import net from 'node:net';
import path from 'node:path';
import { test } from 'node:test';
import { FIXTURES, startServer } from '../helpers/narwhal.js';

const QUEUED = 3;

/** One request on a fresh connection; resolves with the status line, or the socket error's code. */
function connectAndAsk(port: number, target: string): { connected: Promise<void>; answer: Promise<string> } {
  const socket = net.connect(port, '127.0.0.1');
  let reply = '';
  socket.setEncoding('latin1').on('data', (d: string) => (reply += d));
  const connected = new Promise<void>((resolve) => socket.once('connect', () => resolve()));
  socket.write(`GET ${target} HTTP/1.1\r\nHost: x\r\n\r\n`);
  const answer = new Promise<string>((resolve) => {
    socket.once('error', (err: NodeJS.ErrnoException) => resolve(err.code ?? err.message));
    socket.once('close', () => resolve(reply.split('\r\n')[0] || 'closed with no answer'));
  });
  socket.setTimeout(15_000, () => socket.destroy(new Error('no answer within 15 s')));
  return { connected, answer };
}

const cases = [
  { name: 'a fetch-style app', app: 'slow.ts' },
  { name: 'a node-style app', app: 'policy-node.mjs' },
  { name: 'a listen() script', app: 'listen-http.mjs' },
];

for (const { name, app } of cases) {
  test(`TERM while connections wait in the accept queue: ${name} serves them all before its listener closes`, async () => {
    const server = await startServer([path.join(FIXTURES, app), '--worker-connections', '1', '--graceful-timeout', '20']);
    try {
      const held = connectAndAsk(server.port, '/slow?ms=300');
      await server.waitForLog(/slow request started/);
      // The worker is at its limit: these complete in the kernel and wait there.
      const queued = Array.from({ length: QUEUED }, (_, i) => connectAndAsk(server.port, `/slow?ms=0&n=${i}`));
      await Promise.all(queued.map((q) => q.connected));
      server.signal('SIGTERM');
      const answers = await Promise.all([held.answer, ...queued.map((q) => q.answer)]);
      assert.deepEqual(answers, Array(QUEUED + 1).fill('HTTP/1.1 200 OK'), server.output);
      assert.equal((await server.exited).code, 0);
    } finally {
      await server.stop('SIGKILL');
    }
  });
}
