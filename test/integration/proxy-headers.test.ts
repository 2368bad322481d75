// Trusted proxies through a real worker: scheme and client address are taken
// from headers only when the peer is trusted; an untrusted peer cannot spoof
// either. The test client binds 127.0.0.2 to play an untrusted peer.

import assert from 'node:assert/strict';
import http from 'node:http';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, describe, test } from 'node:test';
import { FIXTURES, Narwhal, startServer, waitFor } from '../helpers/narwhal.js';

const FETCH_APP = path.join(FIXTURES, 'forwarded.ts');
const NODE_APP = path.join(FIXTURES, 'forwarded-node.mjs');
const SPOOF = { 'x-forwarded-proto': 'https', 'x-forwarded-for': '6.6.6.6, 203.0.113.7' };

function getJson(opts: http.RequestOptions): Promise<{ status: number; body: Record<string, string> }> {
  return new Promise((resolve, reject) => {
    const req = http.request({ agent: false, ...opts }, (res) => {
      let data = '';
      res.setEncoding('utf8').on('data', (d: string) => (data += d));
      res.on('end', () => resolve({ status: res.statusCode!, body: res.statusCode === 200 ? JSON.parse(data) : { text: data } }));
    });
    req.setTimeout(10_000, () => req.destroy(new Error('timed out')));
    req.on('error', reject);
    req.end();
  });
}

describe('fetch-style app, --forwarded-allow-ips 127.0.0.1', async () => {
  const logDir = mkdtempSync(path.join(tmpdir(), 'narwhal-fwd-'));
  const accessLog = path.join(logDir, 'access.log');
  const server = await startServer([FETCH_APP, '--forwarded-allow-ips', '127.0.0.1', '--access-logfile', accessLog, '--access-logformat', '%(h)s %(U)s']);
  after(async () => {
    await server.stop();
    rmSync(logDir, { recursive: true, force: true });
  });

  test('a trusted peer sets the scheme and the client address; the raw peer stays visible', async () => {
    const r = await getJson({ host: '127.0.0.1', port: server.port, path: '/trusted', headers: { ...SPOOF, host: 'example.com' } });
    assert.equal(r.body.url, 'https://example.com/trusted');
    assert.equal(r.body.clientAddress, '203.0.113.7', 'the rightmost untrusted hop is the client, not the forged leftmost one');
    assert.equal(r.body.remoteAddress, '127.0.0.1');
  });

  test('an untrusted peer cannot spoof scheme or address', async () => {
    const r = await getJson({ host: '127.0.0.1', port: server.port, localAddress: '127.0.0.2', path: '/untrusted', headers: { ...SPOOF, host: 'example.com' } });
    assert.equal(r.body.url, 'http://example.com/untrusted');
    assert.equal(r.body.clientAddress, '127.0.0.2');
    assert.equal(r.body.remoteAddress, '127.0.0.2');
  });

  test('contradictory scheme headers from a trusted peer get a 400', async () => {
    const r = await getJson({ host: '127.0.0.1', port: server.port, path: '/', headers: { 'x-forwarded-proto': 'https', 'x-forwarded-ssl': 'off' } });
    assert.equal(r.status, 400);
    assert.match(r.body.text!, /Bad Request/);
  });

  test("the access log's h is the resolved client address", async () => {
    await getJson({ host: '127.0.0.1', port: server.port, path: '/logged-trusted', headers: SPOOF });
    await getJson({ host: '127.0.0.1', port: server.port, localAddress: '127.0.0.2', path: '/logged-untrusted', headers: SPOOF });
    const { readFileSync } = await import('node:fs');
    const lines = await waitFor('both access log lines', () => {
      const text = readFileSync(accessLog, 'utf8');
      return text.includes('/logged-untrusted') && text.includes('/logged-trusted') ? text : undefined;
    });
    assert.match(lines, /^203\.0\.113\.7 \/logged-trusted$/m);
    assert.match(lines, /^127\.0\.0\.2 \/logged-untrusted$/m);
  });
});

describe('node-style app, default trust (127.0.0.1,::1), over TCP and a unix socket', async () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'narwhal-fwd-unix-'));
  const sock = path.join(dir, 'n.sock');
  const server = await startServer([NODE_APP, '--bind', `unix:${sock}`]);
  after(async () => {
    await server.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  test('forwardedInfo(req) gives the resolved scheme and address; req itself is untouched', async () => {
    const r = await getJson({ host: '127.0.0.1', port: server.port, path: '/', headers: SPOOF });
    assert.deepEqual(r.body, { scheme: 'https', clientAddress: '203.0.113.7', remoteAddress: '127.0.0.1', socketAddress: '127.0.0.1' });
    const spoofed = await getJson({ host: '127.0.0.1', port: server.port, localAddress: '127.0.0.2', path: '/', headers: SPOOF });
    assert.deepEqual(spoofed.body, { scheme: 'http', clientAddress: '127.0.0.2', remoteAddress: '127.0.0.2', socketAddress: '127.0.0.2' });
  });

  test('a unix socket peer is trusted, as in Gunicorn', async () => {
    const r = await getJson({ socketPath: sock, path: '/', headers: { 'x-forwarded-proto': 'https', 'x-forwarded-for': '198.51.100.4' } });
    assert.deepEqual(r.body, { scheme: 'https', clientAddress: '198.51.100.4', remoteAddress: '', socketAddress: '' });
  });
});

test('FORWARDED_ALLOW_IPS sets the default; a bad entry is one line and exit code 2', async () => {
  const printed = new Narwhal(['--print-config'], { env: { FORWARDED_ALLOW_IPS: '10.0.0.0/8,*' } });
  await printed.exited;
  assert.match(printed.output, /^forwardedAllowIps\s+= 10\.0\.0\.0\/8,\*\s+\(env\)$/m);
  const bad = new Narwhal(['--forwarded-allow-ips', '10.0.0.0/40']);
  const exit = await bad.exited;
  assert.equal(exit.code, 2);
  assert.equal(bad.output.trim().split('\n').length, 1);
  assert.match(bad.output, /--forwarded-allow-ips|forwarded_allow_ips|forwardedAllowIps/);
  assert.match(bad.output, /bad prefix length/);
});
