// Strict HTTP/1.1 behaviours the Gunicorn vectors do not cover, over raw TCP
// against a real worker running an echo app of each contract (node-style
// through node:http, fetch-style served straight from the gate): 100-continue,
// pipelining order (also with a bad request behind good ones), the header and
// body timeouts, the all-dash limit flag, and the PROXY protocol.

import assert from 'node:assert/strict';
import net from 'node:net';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { FIXTURES, startServer, waitFor, type Server } from '../helpers/narwhal.js';
import { exchange, parseResponses } from '../helpers/raw-http.js';

interface Echo {
  url: string;
  body: string;
  remoteAddress: string;
  remotePort?: number;
}

for (const kind of ['node', 'fetch'] as const) {
  const APP = path.join(FIXTURES, `echo-${kind}.mjs`);
  /** The node-style echo shows the target as sent; the fetch-style one the full URL. */
  const echo = (body: Buffer): Echo => {
    const e = JSON.parse(body.toString('utf8')) as Echo;
    return kind === 'fetch' ? { ...e, url: new URL(e.url).pathname } : e;
  };
  /** The fetch contract has no peer port. */
  const peer = (e: Echo) => (kind === 'fetch' ? [e.remoteAddress] : [e.remoteAddress, e.remotePort]);

  describe(`strict HTTP/1.1 in a worker, ${kind}-style app`, () => {
    let server: Server;
    let guarded: Server;
    before(async () => {
      [server, guarded] = await Promise.all([
        startServer([APP, '--header-timeout', '0.5', '--body-timeout', '0.5', '--limit-request-field-size', '200', '--proxy-protocol', 'v1']),
        startServer([APP, '--proxy-protocol', '--proxy-allow-from', '10.9.9.9']),
      ]);
    });
    after(async () => {
      await Promise.all([server?.stop(), guarded?.stop()]);
    });

    it('answers Expect: 100-continue before the body is sent', async () => {
      const socket = net.connect(server.port, '127.0.0.1');
      let data = Buffer.alloc(0);
      socket.on('data', (d: Buffer) => (data = Buffer.concat([data, d])));
      const closed = new Promise((resolve) => socket.on('close', resolve));
      socket.write('POST /upload HTTP/1.1\r\nHost: x\r\nExpect: 100-continue\r\nContent-Length: 5\r\n\r\n');
      await waitFor('100 Continue', () => data.includes('HTTP/1.1 100 Continue\r\n'), 5000);
      assert.ok(!data.includes('200 OK'), 'no final answer before the body');
      socket.end('hello');
      await closed;
      const responses = parseResponses(data);
      assert.deepEqual(responses.map((r) => r.status), [100, 200]);
      assert.equal(Buffer.from(echo(responses[1]!.body).body, 'base64').toString(), 'hello');
    });

    it('answers pipelined requests in order', async () => {
      const wire = [
        'GET /1 HTTP/1.1\r\nHost: x\r\n\r\n',
        'POST /2 HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\n\r\nabc',
        'POST /3 HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n2\r\nde\r\n0\r\n\r\n',
        'GET /4 HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n',
      ].join('');
      const { data, closed } = await exchange(server.port, Buffer.from(wire), { halfClose: false });
      assert.equal(closed, true);
      const responses = parseResponses(data);
      assert.deepEqual(responses.map((r) => r.status), [200, 200, 200, 200]);
      assert.deepEqual(responses.map((r) => echo(r.body).url), ['/1', '/2', '/3', '/4']);
      assert.equal(Buffer.from(echo(responses[2]!.body).body, 'base64').toString(), 'de');
    });

    it('answers the good requests before a bad one, then closes without reading further', async () => {
      const wire = 'GET /ok HTTP/1.1\r\nHost: x\r\n\r\nGET /bad HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\nGET /never HTTP/1.1\r\n\r\n';
      const { data, closed } = await exchange(server.port, Buffer.from(wire), { halfClose: false });
      assert.equal(closed, true);
      const responses = parseResponses(data);
      assert.deepEqual(responses.map((r) => r.status), [200, 400]);
      assert.equal(echo(responses[0]!.body).url, '/ok');
      assert.match(responses[1]!.head, /\r\nConnection: close/i);
      // As Gunicorn, the reason goes to the debug log, not to the client.
      await server.waitForLog(/Rejected a request from 127\.0\.0\.1: 400 repeated Host/);
    });

    it('answers 408 and closes when the head does not arrive in time', async () => {
      const started = Date.now();
      const { data, closed } = await exchange(server.port, Buffer.from('GET / HTTP/1.1\r\nHost: x\r\n'), { halfClose: false, timeoutMs: 5000 });
      assert.equal(closed, true);
      assert.deepEqual(parseResponses(data).map((r) => r.status), [408]);
      assert.ok(Date.now() - started < 4000);
    });

    it('closes a connection whose body stalls, without answering it', async () => {
      const { data, closed } = await exchange(server.port, Buffer.from('POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 10\r\n\r\nabc'), { halfClose: false, timeoutMs: 5000 });
      assert.equal(closed, true);
      assert.ok(parseResponses(data).every((r) => r.status >= 400), data.toString('latin1'));
    });

    it('closes a connection whose announced body never starts', async () => {
      const { data, closed } = await exchange(server.port, Buffer.from('POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 10\r\n\r\n'), { halfClose: false, timeoutMs: 5000 });
      assert.equal(closed, true);
      assert.ok(parseResponses(data).every((r) => r.status >= 400), data.toString('latin1'));
    });

    it('applies --limit-request-field-size (all dashes) with 431', async () => {
      const ok = await exchange(server.port, Buffer.from(`GET / HTTP/1.1\r\nHost: h\r\nX: ${'a'.repeat(150)}\r\n\r\n`));
      assert.deepEqual(parseResponses(ok.data).map((r) => r.status), [200]);
      const big = await exchange(server.port, Buffer.from(`GET / HTTP/1.1\r\nHost: h\r\nX: ${'a'.repeat(300)}\r\n\r\n`));
      assert.equal(big.closed, true);
      assert.deepEqual(parseResponses(big.data).map((r) => r.status), [431]);
    });

    it('gives the app the client address from a PROXY v1 header', async () => {
      const { data } = await exchange(server.port, Buffer.from('PROXY TCP4 203.0.113.7 10.0.0.1 4242 80\r\nGET /who HTTP/1.1\r\nHost: x\r\n\r\n'));
      const [res] = parseResponses(data);
      assert.equal(res?.status, 200);
      assert.deepEqual(peer(echo(res!.body)), kind === 'fetch' ? ['203.0.113.7'] : ['203.0.113.7', 4242]);
    });

    it('gives the app the client address from a binary PROXY v2 header, and answers 400 to a broken one', async () => {
      const v2 = await startServer([APP, '--proxy-protocol', 'v2']);
      try {
        const signature = Buffer.from('\r\n\r\n\x00\r\nQUIT\n', 'latin1');
        const addresses = Buffer.from([198, 51, 100, 23, 10, 0, 0, 1, 0x1f, 0x90, 0x00, 0x50]); // 198.51.100.23:8080 -> 10.0.0.1:80
        const header = Buffer.concat([signature, Buffer.from([0x21, 0x11, 0x00, addresses.length]), addresses]);
        const ok = await exchange(v2.port, Buffer.concat([header, Buffer.from('GET /who HTTP/1.1\r\nHost: x\r\n\r\n')]));
        const [res] = parseResponses(ok.data);
        assert.equal(res?.status, 200);
        assert.deepEqual(peer(echo(res!.body)), kind === 'fetch' ? ['198.51.100.23'] : ['198.51.100.23', 8080]);
        // Version nibble 3 does not exist.
        const broken = await exchange(v2.port, Buffer.concat([signature, Buffer.from([0x31, 0x11, 0x00, 12]), addresses, Buffer.from('GET / HTTP/1.1\r\nHost: h\r\n\r\n')]));
        assert.equal(broken.closed, true);
        assert.deepEqual(parseResponses(broken.data).map((r) => r.status), [400]);
      } finally {
        await v2.stop();
      }
    });

    it('serves connections without a PROXY header as usual', async () => {
      const { data } = await exchange(server.port, Buffer.from('GET /plain HTTP/1.1\r\nHost: x\r\n\r\n'));
      assert.equal(echo(parseResponses(data)[0]!.body).remoteAddress, '127.0.0.1');
    });

    it('answers 403 to a PROXY header from a peer not in --proxy-allow-from', async () => {
      const { data, closed } = await exchange(guarded.port, Buffer.from('PROXY TCP4 203.0.113.7 10.0.0.1 4242 80\r\nGET / HTTP/1.1\r\nHost: h\r\n\r\n'));
      assert.equal(closed, true);
      assert.deepEqual(parseResponses(data).map((r) => r.status), [403]);
    });
  });
}
