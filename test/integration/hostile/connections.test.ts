// --worker-connections: past the limit a worker stops accepting, so a new
// connection waits in the kernel's listen backlog (shown in the metrics) and
// is served once a held connection closes; never accepted and then reset or
// left unanswered. On the strict fetch-style path (served without node:http),
// on node:http (node-style, native parser), on TLS, and on a listen() script's own server.

import assert from 'node:assert/strict';
import net from 'node:net';
import path from 'node:path';
import tls from 'node:tls';
import { after, before, describe, test } from 'node:test';
import { makeCerts } from '../../helpers/certs.js';
import { request } from '../../helpers/http.js';
import { FIXTURES, startServer, waitFor } from '../../helpers/narwhal.js';
import { responses, startEcho, type Server } from './harness.js';

const certs = makeCerts();

/** A connection that sends one GET and collects what comes back; `closed` once the server closes it. */
function client(port: number, useTls: boolean) {
  const got: Buffer[] = [];
  const state = { closed: false, error: '' as string };
  const socket = useTls ? tls.connect({ port, host: '127.0.0.1', rejectUnauthorized: false }) : net.connect(port, '127.0.0.1');
  socket.on('data', (d: Buffer) => got.push(d));
  socket.on('error', (err: NodeJS.ErrnoException) => (state.error = err.code ?? err.message));
  socket.on('close', () => (state.closed = true));
  // Written at once: on TLS it waits for the handshake, which needs the server to accept.
  socket.write('GET /held HTTP/1.1\r\nHost: h\r\n\r\n');
  return { socket, state, data: () => Buffer.concat(got), answers: () => responses(Buffer.concat(got)).list };
}

const CASES = [
  { kind: 'fetch', parser: 'strict', tls: false },
  { kind: 'node', parser: 'native', tls: false },
  { kind: 'node', parser: 'strict', tls: true },
  // A script that calls listen() itself: the limit is on its own server (node:http's parser, its keep-alive).
  { kind: 'listen', parser: 'native', tls: false },
] as const;

for (const c of CASES) {
  describe(`--worker-connections 2, ${c.kind === 'listen' ? 'a listen() script' : `${c.kind}-style, --http-parser ${c.parser}`}${c.tls ? ', TLS' : ''}`, () => {
    let server: Server;
    let metricsUrl: string;
    before(async () => {
      const tlsArgs = c.tls ? ['--certfile', certs.serverCert, '--keyfile', certs.serverKey] : [];
      const args = ['--worker-connections', '2', '--keep-alive', '30', '--http-parser', c.parser, '--metrics-bind', '127.0.0.1:0', ...tlsArgs];
      server = c.kind === 'listen' ? await startServer([path.join(FIXTURES, 'listen-keepalive.mjs'), ...args], { workers: 1 }) : await startEcho(c.kind, args);
      metricsUrl = (await server.waitForLog(/Metrics at: (http:\/\/127\.0\.0\.1:\d+)/))[1]!;
    });
    after(() => server.stop());

    test('a third connection waits in the listen backlog while two are held idle, then is served (no reset) when one closes', async () => {
      const held = [client(server.port, c.tls), client(server.port, c.tls)];
      const third = { ref: null as ReturnType<typeof client> | null };
      try {
        // Both answered and kept alive (idle, open).
        await waitFor('the two held connections answered', () => held.every((h) => h.answers().length === 1));
        assert.ok(held.every((h) => h.answers()[0]!.status === 200 && !h.state.closed));
        third.ref = client(server.port, c.tls);
        const backlog = async () => Number(/^narwhal_listen_backlog\{[^}]*\} (\d+)$/m.exec((await request(`${metricsUrl}/metrics`)).body)?.[1] ?? -1);
        // The kernel completed its handshake, but no worker took it: it is queued, and shows in the metrics.
        await waitFor('the third connection in the listen backlog', async () => (await backlog()) === 1, 10_000, 50);
        assert.equal(third.ref.data().length, 0, 'not answered while the worker is at its limit');
        assert.equal(third.ref.state.closed, false, 'not closed either');
        held[0]!.socket.destroy();
        await waitFor('the third connection answered', () => third.ref!.answers().length === 1 || third.ref!.state.closed);
        assert.equal(third.ref.answers()[0]?.status, 200, third.ref.data().toString('latin1') || third.ref.state.error);
        assert.equal(third.ref.state.error, '', 'no reset');
        // The master samples the backlog now and then (the autoscaler's interval).
        await waitFor('the listen backlog empty again', async () => (await backlog()) === 0, 10_000, 50);
      } finally {
        for (const h of [...held, third.ref]) h?.socket.destroy();
      }
    });
  });
}
