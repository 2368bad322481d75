// TLS through a real worker: https for both app contracts (Node's https client
// and curl), client certificates under --cert-reqs none/optional/required, the
// strict HTTP/1.1 checks on the decrypted stream, bad files refused before
// binding, and renewed certificates served after HUP.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { copyFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import { makeCerts } from '../helpers/certs.js';
import { httpsRequest, tlsExchange } from '../helpers/https.js';
import { FIXTURES, runNarwhal, startServer, waitFor } from '../helpers/narwhal.js';

const NODE_APP = path.join(FIXTURES, 'edge-node.mjs');
const FETCH_APP = path.join(FIXTURES, 'edge-fetch.mjs');
const certs = makeCerts();
const ca = certs.read(certs.caCert);
const client = { cert: certs.read(certs.clientCert), key: certs.read(certs.clientKey) };
const rogue = { cert: certs.read(certs.rogueCert), key: certs.read(certs.rogueKey) };
const tlsArgs = ['--certfile', certs.serverCert, '--keyfile', certs.serverKey];

test('fetch-style and node-style apps are served over https; curl and Node agree', async () => {
  const fetchServer = await startServer([FETCH_APP, ...tlsArgs]);
  const nodeServer = await startServer([NODE_APP, ...tlsArgs]);
  try {
    assert.match(fetchServer.output, /Listening at: https:\/\/127\.0\.0\.1:\d+/);
    const f = await httpsRequest(`${fetchServer.url}/a?b=1`, { ca }, { method: 'POST', body: 'hi' });
    const fj = JSON.parse(f.body);
    assert.equal(f.status, 200);
    assert.equal(fj.url, `${fetchServer.url}/a?b=1`);
    assert.equal(fj.alpn, false); // Node's https client offers no ALPN: HTTP/1.1
    assert.match(fj.protocol, /^TLSv1\.[23]$/);
    assert.equal(fj.clientCertificate, null);
    assert.equal(fj.body, 'hi');
    assert.equal(f.peer.subject.O, 'First');
    const n = JSON.parse((await httpsRequest(`${nodeServer.url}/n`, { ca })).body);
    assert.deepEqual([n.encrypted, n.httpVersion, n.url], [true, '1.1', '/n']);
    const { stdout } = await promisify(execFile)('curl', ['-sS', '--http1.1', '--cacert', certs.caCert, `${fetchServer.url}/curl`], { timeout: 10_000 });
    assert.equal(JSON.parse(stdout).url, `${fetchServer.url}/curl`);
    // Plain HTTP on a TLS port is not served.
    await assert.rejects(fetch(`http://127.0.0.1:${fetchServer.port}/`));
  } finally {
    await Promise.all([fetchServer.stop(), nodeServer.stop()]);
  }
});

test('--cert-reqs required: no certificate or an untrusted one fails the handshake; a good one reaches both apps', async () => {
  const args = [...tlsArgs, '--ca-certs', certs.caCert, '--cert-reqs', 'required'];
  const fetchServer = await startServer([FETCH_APP, ...args]);
  const nodeServer = await startServer([NODE_APP, ...args]);
  try {
    await assert.rejects(httpsRequest(fetchServer.url, { ca }));
    await assert.rejects(httpsRequest(fetchServer.url, { ca, ...rogue }));
    await fetchServer.waitForLog(/TLS handshake with 127\.0\.0\.1 failed/);
    const f = JSON.parse((await httpsRequest(fetchServer.url, { ca, ...client })).body);
    assert.deepEqual(f.clientCertificate.subject, { CN: 'alice', O: 'Example Org' });
    assert.equal(f.clientCertificate.issuer.CN, 'Narwhal Test CA');
    assert.equal(f.clientCertificate.authorized, true);
    assert.match(f.clientCertificate.fingerprint256, /^([0-9A-F]{2}:){31}[0-9A-F]{2}$/);
    const n = JSON.parse((await httpsRequest(nodeServer.url, { ca, ...client })).body);
    assert.deepEqual([n.subject.CN, n.authorized], ['alice', true]);
    // curl with and without its client certificate.
    const curl = (extra: string[]) => promisify(execFile)('curl', ['-sS', '--cacert', certs.caCert, ...extra, `${nodeServer.url}/c`], { timeout: 10_000 });
    assert.equal(JSON.parse((await curl(['--cert', certs.clientCert, '--key', certs.clientKey])).stdout).subject.CN, 'alice');
    await assert.rejects(curl([]));
  } finally {
    await Promise.all([fetchServer.stop(), nodeServer.stop()]);
  }
});

test('--cert-reqs optional: served without a certificate, with a good one, refused with an untrusted one; none: never asked', async () => {
  const server = await startServer([FETCH_APP, ...tlsArgs, '--ca-certs', certs.caCert, '--cert-reqs', 'optional']);
  const none = await startServer([FETCH_APP, ...tlsArgs]);
  try {
    assert.equal(JSON.parse((await httpsRequest(server.url, { ca })).body).clientCertificate, null);
    assert.equal(JSON.parse((await httpsRequest(server.url, { ca, ...client })).body).clientCertificate.subject.CN, 'alice');
    await assert.rejects(httpsRequest(server.url, { ca, ...rogue }));
    await server.waitForLog(/Refused a client certificate from 127\.0\.0\.1/);
    // Under `none` the server does not ask, so a client certificate is not even sent.
    assert.equal(JSON.parse((await httpsRequest(none.url, { ca, ...client })).body).clientCertificate, null);
  } finally {
    await Promise.all([server.stop(), none.stop()]);
  }
});

test('the strict HTTP/1.1 checks apply to the decrypted stream, on either parser, with and without HTTP/2 offered', async () => {
  for (const extra of [[], ['--no-http2'], ['--http-parser', 'strict'], ['--http-parser', 'strict', '--no-http2']]) {
    const server = await startServer([NODE_APP, ...tlsArgs, ...extra]);
    try {
      const bad = await tlsExchange(server.port, { ca, ALPNProtocols: ['http/1.1'] }, 'GET / HTTP/1.1\r\nHost: a\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\n');
      assert.equal(bad.alpn, 'http/1.1');
      assert.match(bad.data, /^HTTP\/1\.1 400 Bad Request\r\n/);
      assert.ok(bad.closed);
      const smuggle = await tlsExchange(server.port, { ca }, 'GET /a HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\nGET /b HTTP/1.1\r\nHost: a\r\n\r\n');
      assert.equal(smuggle.data.match(/HTTP\/1\.1 200/g)?.length, 1);
      assert.match(smuggle.data, /"url":"\/a"/);
    } finally {
      await server.stop();
    }
  }
});

test('bad TLS files stop the start with one line and exit code 2', async () => {
  const cases: [string[], RegExp][] = [
    [['--certfile', path.join(certs.dir, 'missing.pem'), '--keyfile', certs.serverKey], /cannot read --certfile .*missing\.pem: no such file/],
    [['--certfile', certs.serverCert, '--keyfile', certs.clientKey], /--keyfile .*: key values mismatch/],
    [['--certfile', certs.serverCert], /no --keyfile/],
    [[...tlsArgs, '--ciphers', 'NOT-A-CIPHER'], /--ciphers NOT-A-CIPHER/],
    [['--keyfile', certs.serverKey], /--keyfile needs --certfile/],
  ];
  for (const [args, re] of cases) {
    const r = await runNarwhal([NODE_APP, '--bind', '127.0.0.1:0', ...args]);
    assert.equal(r.code, 2, r.output);
    assert.match(r.output, re);
    assert.doesNotMatch(r.output, /Booting worker|\n\s+at /);
  }
  const check = await runNarwhal([NODE_APP, '--check-config', '--certfile', certs.serverCert, '--keyfile', certs.clientKey]);
  assert.equal(check.code, 2, check.output);
  assert.match(check.output, /key values mismatch/);
});

test('HUP serves renewed certificate files on new connections', async () => {
  const cert = path.join(certs.dir, 'live.pem');
  const key = path.join(certs.dir, 'live-key.pem');
  copyFileSync(certs.serverCert, cert);
  copyFileSync(certs.serverKey, key);
  const server = await startServer([NODE_APP, '--certfile', cert, '--keyfile', key]);
  try {
    assert.equal((await httpsRequest(server.url, { ca })).peer.subject.O, 'First');
    certs.issueServer('Renewed', 'live.pem', 'live-key.pem');
    server.signal('SIGHUP');
    await server.waitForLog(/Reload complete/);
    assert.equal((await httpsRequest(server.url, { ca })).peer.subject.O, 'Renewed');
    // A broken renewal does not take the server down: the reload rolls back.
    writeFileSync(key, 'not a key');
    server.signal('SIGHUP');
    await waitFor('the rollback', () => /--keyfile .*live-key\.pem/.test(server.output));
    assert.equal((await httpsRequest(server.url, { ca })).peer.subject.O, 'Renewed');
  } finally {
    await server.stop();
  }
});
