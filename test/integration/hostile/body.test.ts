// Request bodies on every path (both parsers, both contracts, plain and TLS):
// a large streamed POST on a keep-alive socket leaves the socket readable for
// the next request (the fetch-style direct path once paused it for good), and
// a body cut short by the client's EOF is an error on the app's body stream,
// never a shorter body that looks complete; a chunked body whose framing
// breaks gets a 400 the client reads (a lingering close) while the response
// has not started, and a closed connection once it has.

import assert from 'node:assert/strict';
import http from 'node:http';
import https from 'node:https';
import net from 'node:net';
import tlsModule from 'node:tls';
import { after, before, describe, test } from 'node:test';
import { makeCerts } from '../../helpers/certs.js';
import { FIXTURES, startServer } from '../../helpers/narwhal.js';
import { TRANSPORTS, exchangeOver, responses, type Server } from './harness.js';
import path from 'node:path';

const certs = makeCerts();
const BODY_BYTES = 8 * 1024 * 1024;

/** One request on `agent`; resolves with status, body and the local port the socket used. */
function call(agent: http.Agent, tls: boolean, port: number, method: string, body: Buffer | null): Promise<{ status: number; body: Buffer; localPort: number }> {
  return new Promise((resolve, reject) => {
    const mod = tls ? https : http;
    const req = mod.request({ host: '127.0.0.1', port, method, path: '/x', agent, rejectUnauthorized: false, headers: body ? { 'content-type': 'application/octet-stream', 'content-length': body.length } : {} }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode!, body: Buffer.concat(chunks), localPort: req.socket!.localPort! }));
      res.on('error', reject);
    });
    req.on('error', reject);
    if (!body) {
      req.end();
      return;
    }
    // Streamed: written in pieces, then ended. With Content-Length the body's last bytes and its end come in one read.
    let sent = 0;
    const piece = 64 * 1024;
    const more = () => {
      while (sent < body.length) {
        const ok = req.write(body.subarray(sent, sent + piece));
        sent += piece;
        if (!ok) return void req.once('drain', more);
      }
      req.end();
    };
    more();
  });
}

for (const { parser, tls } of TRANSPORTS) {
  for (const kind of ['node', 'fetch'] as const) {
    describe(`request bodies, ${kind}-style, --http-parser ${parser}${tls ? ', TLS' : ''}`, () => {
      let server: Server;
      before(async () => {
        const tlsArgs = tls ? ['--certfile', certs.serverCert, '--keyfile', certs.serverKey] : [];
        server = await startServer([path.join(FIXTURES, `body-outcome-${kind}.mjs`), '-w', '1', '--http-parser', parser, '--keep-alive', '30', ...tlsArgs]);
      });
      after(() => server.stop());

      test('a large streamed POST and then a GET on the same keep-alive socket (http.Agent): both answered', async () => {
        const agent = new (tls ? https.Agent : http.Agent)({ keepAlive: true, maxSockets: 1 });
        try {
          const body = Buffer.alloc(BODY_BYTES, 'x');
          const post = await call(agent, tls, server.port, 'POST', body);
          assert.equal(post.status, 200);
          assert.equal(post.body.toString(), `complete ${BODY_BYTES}\n`);
          const get = await call(agent, tls, server.port, 'GET', null);
          assert.equal(get.status, 200);
          assert.equal(get.localPort, post.localPort, 'the GET went on the same connection');
        } finally {
          agent.destroy();
        }
      });
    });
  }
}

for (const { parser, tls } of TRANSPORTS) {
  for (const kind of ['node', 'fetch'] as const) {
    describe(`a body cut short, ${kind}-style, --http-parser ${parser}${tls ? ', TLS' : ''}`, () => {
      let server: Server;
      before(async () => {
        const tlsArgs = tls ? ['--certfile', certs.serverCert, '--keyfile', certs.serverKey] : [];
        server = await startServer([path.join(FIXTURES, `body-outcome-${kind}.mjs`), '-w', '1', '--http-parser', parser, ...tlsArgs]);
      });
      after(() => server.stop());

      for (const [what, tail] of [['Content-Length', 'Content-Length: 100\r\n\r\n0123456789'], ['chunked', 'Transfer-Encoding: chunked\r\n\r\na\r\n0123456789\r\n']] as const) {
        test(`${what}: the client's EOF mid-body is an error on the app's body stream, never a complete-looking body`, async () => {
          const target = `/cut-${what.toLowerCase()}`;
          const head = `POST ${target} HTTP/1.1\r\nHost: h\r\n${tail}`;
          const out = await exchangeOver(server.port, Buffer.from(head), { tls, halfClose: true });
          assert.ok(out.closed, 'connection closed');
          // The app answers nothing it read as complete; what it saw is in the log.
          assert.deepEqual(responses(out.data).list.filter((r) => r.status === 200), []);
          const m = await server.waitForLog(new RegExp(`body outcome ${target}: (\\w+)`));
          assert.equal(m[1], 'error', server.output);
        });
      }
    });
  }
}

/** Bodies whose chunked framing breaks mid-way, each followed by more bytes the server must read and drop (a lingering close). */
const BROKEN = [
  ['a chunk size too large to represent', 'ffffffffffffffffffff\r\n'],
  ['a chunk-size line that is not hex', '5\r\nhello\r\nzz\r\n'],
  ['chunk data not followed by CRLF', '3\r\nabcXY'],
] as const;
const MORE = Buffer.alloc(256 * 1024, 'y');

for (const { parser, tls } of TRANSPORTS) {
  for (const kind of ['node', 'fetch'] as const) {
    describe(`a chunked body broken mid-way, ${kind}-style, --http-parser ${parser}${tls ? ', TLS' : ''}`, () => {
      let server: Server;
      before(async () => {
        const tlsArgs = tls ? ['--certfile', certs.serverCert, '--keyfile', certs.serverKey] : [];
        server = await startServer([path.join(FIXTURES, `body-outcome-${kind}.mjs`), '-w', '1', '--http-parser', parser, ...tlsArgs]);
      });
      after(() => server.stop());

      for (const [i, [what, bytes]] of BROKEN.entries()) {
        test(`${what}, before the app answers: 400 with a one-line reason, read by the client (no reset), and the app's body stream errors`, async () => {
          const target = `/broken-${i}`;
          const head = `POST ${target} HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n${bytes}`;
          const out = await exchangeOver(server.port, [Buffer.from(head), MORE], { tls });
          assert.ok(out.closed, 'connection closed');
          const { list } = responses(out.data);
          assert.equal(list.length, 1, out.data.toString('latin1').slice(0, 300));
          assert.equal(list[0]!.status, 400);
          assert.match(list[0]!.body.toString(), /^Bad Request: [^\n]+\n$/);
          assert.match(out.data.toString('latin1'), /\r\nconnection: close\r\n/i);
          const m = await server.waitForLog(new RegExp(`body outcome ${target}: (\\w+)`));
          assert.equal(m[1], 'error', server.output);
        });
      }

      test('a chunk size too large after the response has started: the connection closes, the response stays incomplete, the app\'s body stream errors', async () => {
        const head = 'POST /early HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n';
        const socketOut = await new Promise<Buffer>((resolve) => {
          // The second part goes only once the response has started.
          const got: Buffer[] = [];
          const socket = tls ? tlsConnect(server.port) : net.connect(server.port, '127.0.0.1');
          const timer = setTimeout(() => socket.destroy(), 5000);
          let sent = false;
          socket.on('data', (d: Buffer) => {
            got.push(d);
            if (!sent && Buffer.concat(got).includes('started')) {
              sent = true;
              socket.write('ffffffffffffffffffff\r\n');
            }
          });
          socket.on('error', () => {});
          socket.on('close', () => {
            clearTimeout(timer);
            resolve(Buffer.concat(got));
          });
          socket.once(tls ? 'secureConnect' : 'connect', () => socket.write(head));
        });
        const text = socketOut.toString('latin1');
        assert.match(text, /^HTTP\/1\.1 200 /);
        assert.doesNotMatch(text, /complete|HTTP\/1\.1 400/);
        assert.ok(!text.endsWith('0\r\n\r\n'), 'the chunked response was not ended as if complete');
        const m = await server.waitForLog(/body outcome \/early: (\w+)/);
        assert.equal(m[1], 'error', server.output);
      });
    });
  }
}

function tlsConnect(port: number): tlsModule.TLSSocket {
  return tlsModule.connect({ port, host: '127.0.0.1', rejectUnauthorized: false });
}
