// The Host rule (RFC 9112 section 3.2, RFC 9110 section 7.2) on both parsers,
// both contracts, plain and TLS: a missing, repeated or invalid Host gets a
// 400 with its reason and a closed connection, and the app is not called; a
// fetch-style app's URL takes its path and query from the request target only,
// and an absolute-form target's authority over the Host. HTTP/2's :authority
// takes the same rule; a URL built from an IPv6 listener's address brackets it.

import assert from 'node:assert/strict';
import http2 from 'node:http2';
import net from 'node:net';
import { after, before, describe, test } from 'node:test';
import { makeCerts } from '../../helpers/certs.js';
import { APPS, TRANSPORTS, exchangeOver, responses, type Server } from './harness.js';
import { Narwhal, startServer, waitFor } from '../../helpers/narwhal.js';

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

/** :authority values HTTP/2 must refuse as HTTP/1.1 refuses the same Host (RFC 9113 8.3.1). */
const BAD_AUTHORITY: Record<string, string> = {
  'a space': 'a b',
  'a comma': 'a.test,b.test',
  'userinfo': 'user@a.test',
  'a slash choosing the path': 'a.test/admin',
  'a port out of range': 'a.test:65536',
};

for (const kind of ['node', 'fetch'] as const) {
  describe(`HTTP/2 :authority, ${kind}-style`, () => {
    let server: Server;
    before(async () => {
      server = await startServer([APPS[kind], '-w', '1', '--certfile', certs.serverCert, '--keyfile', certs.serverKey, '--log-level', 'debug']);
    });
    after(() => server.stop());

    test('an invalid :authority gets 400 with its reason on the stream and never reaches the app; a valid one is served', async () => {
      const session = http2.connect(`https://127.0.0.1:${server.port}`, { rejectUnauthorized: false });
      session.on('error', () => {});
      const ask = (authority: string) => new Promise<{ status: number; body: string }>((resolve, reject) => {
        const stream = session.request({ ':path': '/p?q=1', ':authority': authority });
        let status = 0;
        let body = '';
        stream.on('response', (h) => (status = Number(h[':status'])));
        stream.setEncoding('utf8');
        stream.on('data', (c: string) => (body += c));
        stream.on('end', () => resolve({ status, body }));
        // nghttp2 itself resets a stream whose :authority has bytes no authority may hold (a space, a slash).
        stream.on('error', (err: NodeJS.ErrnoException) => (/PROTOCOL_ERROR/.test(err.message) ? resolve({ status: 0, body: 'PROTOCOL_ERROR' }) : reject(err)));
        stream.end();
      });
      try {
        const failures: string[] = [];
        const answered: string[] = [];
        for (const [what, authority] of Object.entries(BAD_AUTHORITY)) {
          const r = await ask(authority);
          if (r.status === 400 && /^Bad Request: .*:authority.*\n$/.test(r.body)) answered.push(what);
          else if (r.body !== 'PROTOCOL_ERROR') failures.push(`${what}: ${r.status} ${JSON.stringify(r.body.slice(0, 120))}`);
        }
        assert.deepEqual(failures, []);
        // nghttp2 checks bytes only (which ones differs between Node 20 and 24): a comma and a bad port pass it, and Narwhal's rule answers them.
        assert.ok(answered.includes('a comma') && answered.includes('a port out of range'), `answered 400 by the Host rule: ${answered.join(', ')}`);
        assert.doesNotMatch(server.output, /"url":"https:\/\/(?:a b|user@|a\.test\/admin)/);
        const ok = await ask('example.test:8443');
        assert.equal(ok.status, 200);
        const echo = JSON.parse(ok.body) as { url: string };
        assert.equal(echo.url, kind === 'fetch' ? 'https://example.test:8443/p?q=1' : '/p?q=1');
      } finally {
        session.close();
      }
    });
  });
}

for (const parser of ['strict', 'native'] as const) {
  describe(`no Host on an IPv6 listener, fetch-style, --http-parser ${parser}`, () => {
    let server: Narwhal;
    let port: number;
    before(async () => {
      server = new Narwhal(['--bind', '[::1]:0', '--log-level', 'debug', APPS.fetch, '-w', '1', '--http-parser', parser]);
      port = Number((await server.waitForLog(/Listening at: http:\/\/\[::1\]:(\d+)/))[1]);
      await waitFor('a ready worker', () => server.readyPids().length >= 1);
    });
    after(() => server.stop());

    test('the URL built from the listener address brackets it', async () => {
      const out = await new Promise<Buffer>((resolve, reject) => {
        const got: Buffer[] = [];
        const s = net.connect(port, '::1', () => s.end('GET /p?q HTTP/1.0\r\n\r\n'));
        s.on('data', (d: Buffer) => got.push(d));
        s.on('close', () => resolve(Buffer.concat(got)));
        s.on('error', reject);
      });
      const { list } = responses(out);
      assert.equal(list[0]?.status, 200, out.toString('latin1'));
      assert.equal((JSON.parse(list[0]!.body.toString('utf8')) as { url: string }).url, `http://[::1]:${port}/p?q`);
    });
  });
}
