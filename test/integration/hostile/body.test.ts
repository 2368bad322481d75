// Request bodies on every path (both parsers, both contracts, plain and TLS):
// a large streamed POST on a keep-alive socket leaves the socket readable for
// the next request (the fetch-style direct path once paused it for good), and
// a body cut short by the client's EOF is an error on the app's body stream,
// never a shorter body that looks complete.

import assert from 'node:assert/strict';
import http from 'node:http';
import https from 'node:https';
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
