// The Host rule (RFC 9112 section 3.2, RFC 9110 section 7.2) on both parsers,
// both contracts, plain and TLS: a missing, repeated or invalid Host gets a
// 400 with its reason and a closed connection, and the app is not called; a
// fetch-style app's URL takes its path and query from the request target only,
// and an absolute-form target's authority over the Host.

import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { makeCerts } from '../../helpers/certs.js';
import { APPS, TRANSPORTS, exchangeOver, responses, type Server } from './harness.js';
import { startServer } from '../../helpers/narwhal.js';

const certs = makeCerts();

/** Heads a server must refuse with 400, by what is wrong. */
const REFUSED: Record<string, string> = {
  'no Host on HTTP/1.1': 'GET /p HTTP/1.1\r\nX: y\r\n\r\n',
  'two Host fields': 'GET /p HTTP/1.1\r\nHost: a.test\r\nHost: a.test\r\n\r\n',
  'a space': 'GET /p HTTP/1.1\r\nHost: a b\r\n\r\n',
  'a comma list': 'GET /p HTTP/1.1\r\nHost: a.test, b.test\r\n\r\n',
  'a comma': 'GET /p HTTP/1.1\r\nHost: a.test,b.test\r\n\r\n',
  'userinfo': 'GET /p HTTP/1.1\r\nHost: user@a.test\r\n\r\n',
  'a slash choosing the path': 'GET /p HTTP/1.1\r\nHost: a.test/admin?x=1\r\n\r\n',
  'a backslash': 'GET /p HTTP/1.1\r\nHost: a.test\\admin\r\n\r\n',
  'a port out of range': 'GET /p HTTP/1.1\r\nHost: a.test:65536\r\n\r\n',
  'a port not a number': 'GET /p HTTP/1.1\r\nHost: a.test:8o\r\n\r\n',
  'an encoded slash': 'GET /p HTTP/1.1\r\nHost: a%2Fb\r\n\r\n',
  'a bad IP literal': 'GET /p HTTP/1.1\r\nHost: [::1\r\n\r\n',
  'an invalid Host beside an absolute-form target': 'GET http://t.test/p HTTP/1.1\r\nHost: a b\r\n\r\n',
  'two Host fields on HTTP/1.0': 'GET /p HTTP/1.0\r\nHost: a.test\r\nHost: b.test\r\n\r\n',
};

/** Heads that are served, and the URL a fetch-style app sees (`SCHEME`: http or https; `LOCAL`: the listener's address). */
const SERVED: [string, string, string][] = [
  ['a name and port', 'GET /p?q=1 HTTP/1.1\r\nHost: example.test:8080\r\nConnection: close\r\n\r\n', 'SCHEME://example.test:8080/p?q=1'],
  ['an IPv6 literal', 'GET /p HTTP/1.1\r\nHost: [::1]:8443\r\nConnection: close\r\n\r\n', 'SCHEME://[::1]:8443/p'],
  ['an empty Host (RFC 9110 7.2)', 'GET /p/q HTTP/1.1\r\nHost:\r\nConnection: close\r\n\r\n', 'LOCAL/p/q'],
  ['HTTP/1.0 without Host', 'GET /p HTTP/1.0\r\n\r\n', 'LOCAL/p'],
  ['an absolute-form target: its authority wins (RFC 9112 3.2.2)', 'GET http://target.test/p?q HTTP/1.1\r\nHost: other.test\r\nConnection: close\r\n\r\n', 'http://target.test/p?q'],
];

for (const { parser, tls } of TRANSPORTS) {
  for (const kind of ['node', 'fetch'] as const) {
    describe(`Host rule, ${kind}-style, --http-parser ${parser}${tls ? ', TLS' : ''}`, () => {
      let server: Server;
      before(async () => {
        const tlsArgs = tls ? ['--certfile', certs.serverCert, '--keyfile', certs.serverKey] : [];
        server = await startServer([APPS[kind], '-w', '1', '--http-parser', parser, '--log-level', 'debug', ...tlsArgs]);
      });
      after(() => server.stop());

      test('a missing, repeated or invalid Host: 400 with its reason, Connection: close, the connection closed, the app not called', async () => {
        const failures: string[] = [];
        await Promise.all(Object.entries(REFUSED).map(async ([what, head]) => {
          const out = await exchangeOver(server.port, Buffer.from(head, 'latin1'), { tls });
          const { list } = responses(out.data);
          const text = out.data.toString('latin1');
          if (list.length !== 1 || list[0]!.status !== 400) failures.push(`${what}: answered ${JSON.stringify(text.slice(0, 120))}`);
          else if (!/\r\nconnection: close\r\n/i.test(text)) failures.push(`${what}: no Connection: close`);
          else if (!/^Bad Request: .*Host.*\n$/.test(list[0]!.body.toString('latin1'))) failures.push(`${what}: body ${JSON.stringify(list[0]!.body.toString('latin1'))}`);
          else if (!out.closed) failures.push(`${what}: left open`);
        }));
        assert.deepEqual(failures, []);
        await server.waitForLog(/Rejected|refus/i);
      });

      test('a valid Host is served; the fetch-style URL takes path and query from the target only', async () => {
        const local = `http${tls ? 's' : ''}://127.0.0.1:${server.port}`;
        for (const [what, head, url] of SERVED) {
          const out = await exchangeOver(server.port, Buffer.from(head, 'latin1'), { tls });
          const { list } = responses(out.data);
          assert.equal(list.length, 1, `${what}: ${out.data.toString('latin1').slice(0, 200)}`);
          assert.equal(list[0]!.status, 200, `${what}: ${list[0]!.body.toString('latin1')}`);
          const echo = JSON.parse(list[0]!.body.toString('utf8')) as { url: string };
          const target = head.split(' ')[1]!;
          if (kind === 'fetch') assert.equal(echo.url, url.replace('LOCAL', local).replace('SCHEME', tls ? 'https' : 'http'), what);
          else assert.equal(echo.url, target, what);
        }
      });
    });
  }
}
