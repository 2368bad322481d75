// HTTP/2 over TLS through a real worker: negotiated by ALPN beside HTTP/1.1,
// for both app contracts (Node's http2 client and curl --http2), the stream
// limit the server announces, --no-http2, and GOAWAY when the worker drains
// while a stream is still in flight.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import http2, { type ClientHttp2Session } from 'node:http2';
import path from 'node:path';
import { promisify } from 'node:util';
import { makeCerts } from '../helpers/certs.js';
import { FIXTURES, startServer } from '../helpers/narwhal.js';

const NODE_APP = path.join(FIXTURES, 'edge-node.mjs');
const FETCH_APP = path.join(FIXTURES, 'edge-fetch.mjs');
const certs = makeCerts();
const ca = certs.read(certs.caCert);
const tlsArgs = ['--certfile', certs.serverCert, '--keyfile', certs.serverKey];

function connect(url: string): Promise<ClientHttp2Session> {
  return new Promise((resolve, reject) => {
    const session = http2.connect(url, { ca });
    session.once('connect', () => resolve(session));
    session.once('error', reject);
  });
}

type H2Reply = { status: number; headers: http2.IncomingHttpHeaders; body: string };

/** One request on `session`; `head` resolves when the answer's head arrives, the promise when its body ends. */
function h2request(session: ClientHttp2Session, path: string, opts: { method?: string; body?: string } = {}): Promise<H2Reply> & { head: Promise<void> } {
  let headReceived!: () => void;
  const head = new Promise<void>((resolve) => (headReceived = resolve));
  const done = new Promise<H2Reply>((resolve, reject) => {
    const stream = session.request({ ':path': path, ':method': opts.method ?? 'GET' });
    let headers: http2.IncomingHttpHeaders = {};
    const chunks: Buffer[] = [];
    stream.setTimeout(10_000, () => stream.close(http2.constants.NGHTTP2_CANCEL));
    stream.on('response', (h) => {
      headers = h;
      headReceived();
    });
    stream.on('data', (c: Buffer) => chunks.push(c));
    stream.on('end', () => resolve({ status: Number(headers[':status']), headers, body: Buffer.concat(chunks).toString() }));
    stream.on('error', reject);
    stream.end(opts.body);
  });
  return Object.assign(done, { head });
}

test('fetch-style and node-style apps over HTTP/2 (Node client): requests, bodies, concurrent streams', async () => {
  const fetchServer = await startServer([FETCH_APP, ...tlsArgs]);
  const nodeServer = await startServer([NODE_APP, ...tlsArgs]);
  const sessions: ClientHttp2Session[] = [];
  try {
    const fs = await connect(fetchServer.url);
    sessions.push(fs);
    assert.equal(fs.alpnProtocol, 'h2');
    assert.equal(fs.remoteSettings.maxConcurrentStreams, 100);
    const replies = await Promise.all([1, 2, 3].map((i) => h2request(fs, `/f/${i}?q=${i}`, { method: 'POST', body: `body ${i}` })));
    for (const [i, r] of replies.entries()) {
      const j = JSON.parse(r.body);
      assert.equal(r.status, 200);
      assert.equal(j.url, `${fetchServer.url}/f/${i + 1}?q=${i + 1}`);
      assert.equal(j.alpn, 'h2');
      assert.equal(j.body, `body ${i + 1}`);
      assert.ok(!j.headers.some((h: string) => h.startsWith(':')), 'no pseudo-headers among the Request headers');
    }
    // Connection-specific fields from the app are dropped, not a failed response.
    const hop = await h2request(fs, '/hop?hop=1');
    assert.deepEqual([hop.status, hop.headers['x-kept'], hop.headers['connection'], hop.headers['keep-alive']], [200, '1', undefined, undefined]);
    // --header-map drop, as over HTTP/1.1: a name with `_` never reaches the app.
    const mapped = await new Promise<string>((resolve, reject) => {
      const stream = fs.request({ ':path': '/m', x_smuggled: '1', 'x-fine': '1' });
      let body = '';
      stream.on('data', (c: Buffer) => (body += c));
      stream.on('end', () => resolve(body));
      stream.on('error', reject);
    });
    assert.ok(JSON.parse(mapped).headers.includes('x-fine'));
    assert.ok(!JSON.parse(mapped).headers.includes('x_smuggled'));
    const ns = await connect(nodeServer.url);
    sessions.push(ns);
    const n = JSON.parse((await h2request(ns, '/n', { method: 'PUT', body: 'x'.repeat(300_000) })).body);
    assert.deepEqual([n.httpVersion, n.encrypted, n.url, n.body.length], ['2.0', true, '/n', 300_000]);
  } finally {
    for (const s of sessions) s.close();
    await Promise.all([fetchServer.stop(), nodeServer.stop()]);
  }
});

test('curl --http2 negotiates h2; --no-http2 keeps to HTTP/1.1', async () => {
  const on = await startServer([FETCH_APP, ...tlsArgs]);
  const off = await startServer([FETCH_APP, ...tlsArgs, '--no-http2']);
  try {
    const curl = (url: string) => promisify(execFile)('curl', ['-sS', '--http2', '--cacert', certs.caCert, '-w', '\n%{http_version}', `${url}/c`], { timeout: 10_000 });
    const [body, version] = (await curl(on.url)).stdout.split('\n');
    assert.equal(version, '2');
    assert.equal(JSON.parse(body!).alpn, 'h2');
    const [body1, version1] = (await curl(off.url)).stdout.split('\n');
    assert.equal(version1, '1.1');
    assert.equal(JSON.parse(body1!).alpn, 'http/1.1');
    await assert.rejects(connect(off.url));
  } finally {
    await Promise.all([on.stop(), off.stop()]);
  }
});

test('a draining worker sends GOAWAY and finishes the stream in flight', async () => {
  const server = await startServer([NODE_APP, ...tlsArgs, '--graceful-timeout', '10']);
  const session = await connect(server.url);
  try {
    const goaway = new Promise<number>((resolve) => session.once('goaway', (code) => resolve(code)));
    const slow = h2request(session, '/slow?delay=800');
    // The answer's head comes before its body: the request is in the app.
    await slow.head;
    server.signal('SIGTERM');
    assert.equal(await goaway, http2.constants.NGHTTP2_NO_ERROR);
    const reply = await slow;
    assert.equal(reply.status, 200);
    assert.equal(JSON.parse(reply.body).url, '/slow?delay=800');
    const exit = await server.exited;
    assert.equal(exit.code, 0);
  } finally {
    session.destroy();
    await server.stop();
  }
});
