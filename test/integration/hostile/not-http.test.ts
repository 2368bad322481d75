// Bytes that cannot begin an HTTP request (a TLS ClientHello sent to a plain
// port, binary garbage) get a 400 and a closed connection at once, long before
// the header timeout; a head that stalls mid-way is closed at --header-timeout
// with a 408. Both parsers, both contracts.

import assert from 'node:assert/strict';
import net from 'node:net';
import tls from 'node:tls';
import { after, before, describe, test } from 'node:test';
import { startServer } from '../../helpers/narwhal.js';
import { APPS, exchangeOver, responses, type Server } from './harness.js';

/** The first bytes a TLS client sends: captured from a real handshake against a plain listener. */
function clientHello(): Promise<Buffer> {
  return new Promise((resolve) => {
    const server = net.createServer((s) => {
      s.once('data', (d: Buffer) => {
        resolve(d);
        s.destroy();
        server.close();
      });
    });
    server.listen(0, '127.0.0.1', () => {
      const c = tls.connect({ port: (server.address() as net.AddressInfo).port, host: '127.0.0.1', rejectUnauthorized: false });
      c.on('error', () => {});
    });
  });
}

for (const parser of ['strict', 'native'] as const) {
  for (const kind of ['node', 'fetch'] as const) {
    describe(`bytes that are not HTTP, ${kind}-style, --http-parser ${parser}`, () => {
      let server: Server;
      let stalled: Server;
      before(async () => {
        // A long header timeout: an answer at once cannot be the timeout's.
        [server, stalled] = await Promise.all([
          startServer([APPS[kind], '-w', '1', '--http-parser', parser, '--header-timeout', '60']),
          startServer([APPS[kind], '-w', '1', '--http-parser', parser, '--header-timeout', '1']),
        ]);
      });
      after(() => Promise.all([server.stop(), stalled.stop()]));

      test('a TLS ClientHello and binary garbage: 400 and closed at once', async () => {
        const garbage = Buffer.from([0x00, 0xff, 0x13, 0x37, 0x80, 0x01, 0x02, 0x03]);
        for (const [what, bytes] of [['a TLS ClientHello', await clientHello()], ['binary garbage', garbage]] as const) {
          const out = await exchangeOver(server.port, bytes, { deadlineMs: 20_000 });
          assert.ok(out.closed, `${what}: left open`);
          assert.deepEqual(responses(out.data).list.map((r) => r.status), [400], `${what}: ${JSON.stringify(out.data.toString('latin1'))}`);
        }
      });

      test('a head stalled mid-way: 408 and closed at --header-timeout', async () => {
        const out = await exchangeOver(stalled.port, Buffer.from('GET /p HTTP/1.1\r\nHost: h\r\nX-Half: '), { deadlineMs: 20_000 });
        assert.ok(out.closed, 'left open');
        assert.deepEqual(responses(out.data).list.map((r) => r.status), [408], out.data.toString('latin1'));
      });
    });
  }
}
