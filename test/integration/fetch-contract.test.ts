// The fetch-style contract on real sockets: a real `narwhal` with one worker
// serving test/fixtures/apps/fetch-contract.mjs, driven by node:http and raw
// TCP clients. Every speed trick in src/http/fetch-*.ts must keep these true.

import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import http from 'node:http';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { request } from '../helpers/http.js';
import { FIXTURES, startServer, waitFor, type Server } from '../helpers/narwhal.js';

const APP = path.join(FIXTURES, 'fetch-contract.mjs');

/** Sends raw bytes on a fresh connection and collects everything until the server closes it. */
function rawExchange(port: number, text: string, timeoutMs = 10_000): Promise<{ data: string; error: Error | null }> {
  return new Promise((resolve, reject) => {
    const socket = net.connect(port, '127.0.0.1', () => socket.write(text));
    let data = '';
    let error: Error | null = null;
    const timer = setTimeout(() => {
      socket.destroy();
      reject(new Error(`no close within ${timeoutMs} ms; got ${JSON.stringify(data)}`));
    }, timeoutMs);
    socket.setEncoding('latin1').on('data', (d: string) => (data += d));
    socket.on('error', (e) => (error = e));
    socket.on('close', () => {
      clearTimeout(timer);
      resolve({ data, error });
    });
  });
}

/** Starts a request whose body is sent by the caller, chunk by chunk. */
function openUpload(url: string, headers: Record<string, string>): { req: http.ClientRequest; response: Promise<http.IncomingMessage> } {
  const req = http.request(url, { method: 'POST', headers, agent: false });
  const response = new Promise<http.IncomingMessage>((resolve, reject) => {
    req.on('response', resolve);
    req.on('error', reject);
  });
  req.flushHeaders();
  return { req, response };
}

function readLine(res: http.IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    let buf = '';
    const onData = (d: Buffer) => {
      buf += d.toString();
      const i = buf.indexOf('\n');
      if (i >= 0) {
        res.off('data', onData);
        res.pause();
        resolve(buf.slice(0, i));
      }
    };
    res.on('data', onData);
    res.on('error', reject);
  });
}

function readRest(res: http.IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    let buf = '';
    res.on('data', (d: Buffer) => (buf += d.toString()));
    res.on('end', () => resolve(buf));
    res.on('error', reject);
    res.resume();
  });
}

describe('fetch-style contract', { timeout: 60_000 }, () => {
  let server: Server;
  before(async () => {
    server = await startServer([APP, '--workers', '1']);
  });
  after(async () => {
    await server?.stop();
  });

  test('the Request has the full URL, method, every header, and is a real Request', async () => {
    const { data } = await rawExchange(
      server.port,
      'PATCH /echo?x=1&y=%20 HTTP/1.1\r\nHost: example.test:1234\r\nX-Rep: a\r\nX-Rep: b\r\nX-One: 1\r\nContent-Length: 0\r\nConnection: close\r\n\r\n',
    );
    const body = JSON.parse(data.slice(data.indexOf('\r\n\r\n') + 4)) as Record<string, unknown>;
    assert.equal(body.url, 'http://example.test:1234/echo?x=1&y=%20');
    assert.equal(body.method, 'PATCH');
    const headers = new Map(body.headers as [string, string][]);
    assert.equal(headers.get('x-rep'), 'a, b');
    assert.equal(headers.get('x-one'), '1');
    assert.equal(headers.get('host'), 'example.test:1234');
    assert.equal(body.instanceofRequest, true);
    assert.deepEqual(body.copy, { url: 'http://example.test:1234/echo?x=1&y=%20', method: 'PATCH', host: 'example.test:1234' });
    assert.equal(body.cloneIsRequest, true);
    assert.equal(body.remoteAddress, '127.0.0.1');
  });

  test('the URL reads as Request would parse it, and copies of the request carry its body', async () => {
    const utf8 = await rawExchange(server.port, 'GET /echo?q=café HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n');
    assert.equal((JSON.parse(utf8.data.slice(utf8.data.indexOf('\r\n\r\n') + 4)) as { url: string }).url, 'http://x/echo?q=caf%C3%A9', 'raw UTF-8 bytes in the target are percent-encoded, not garbled');
    const { data } = await rawExchange(server.port, 'GET /x/../echo HTTP/1.1\r\nHost: EXAMPLE.test\r\nConnection: close\r\n\r\n');
    assert.equal((JSON.parse(data.slice(data.indexOf('\r\n\r\n') + 4)) as { url: string }).url, 'http://example.test/echo');
    const r = await request(`${server.url}/copy-body`, { method: 'PUT', body: 'payload', headers: { 'content-type': 'text/x-payload' } });
    assert.deepEqual(JSON.parse(r.body), { a: 'payload', b: 'payload', before: false, method: 'PUT', type: 'text/x-payload' });
  });

  test('the body is not read unless the app asks, and is read when it does', async () => {
    // 8 MiB announced, only 1 byte sent: the app answers without waiting for the rest.
    const { req, response } = openUpload(`${server.url}/ignore-body`, { 'content-length': String(8 * 1024 * 1024) });
    req.write('x');
    const res = await response;
    assert.equal(res.statusCode, 200);
    assert.equal(await readRest(res), 'did not read');
    req.destroy();
    const r = await request(`${server.url}/text`, { method: 'POST', body: 'y'.repeat(100_000) });
    assert.equal(r.body, 'read 100000');
  });

  test('the request body is a stream: the app sees the first chunk before the client sends the rest', async () => {
    const { req, response } = openUpload(`${server.url}/stream-in`, { 'transfer-encoding': 'chunked' });
    req.write('a'.repeat(1000));
    const res = await response;
    assert.equal(await readLine(res), 'first 1000');
    req.end('b'.repeat(5000));
    assert.equal((await readRest(res)).trim(), 'total 6000');
  });

  test('signal aborts when the client goes away', async () => {
    const id = `c${Date.now()}`;
    const socket = net.connect(server.port, '127.0.0.1', () => socket.write(`GET /wait-abort?id=${id} HTTP/1.1\r\nHost: x\r\n\r\n`));
    socket.on('error', () => {});
    const status = async () => JSON.parse((await request(`${server.url}/status?id=${id}`)).body) as { seen: boolean; aborted: boolean };
    await waitFor('the app to see the request', async () => (await status()).seen);
    assert.equal((await status()).aborted, false);
    socket.destroy();
    await waitFor('the signal to abort', async () => (await status()).aborted);
  });

  test('status, status text and every header, several Set-Cookie apart', async () => {
    const r = await request(`${server.url}/headers`);
    assert.equal(r.status, 201);
    const { data } = await rawExchange(server.port, 'GET /headers HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n');
    assert.match(data, /^HTTP\/1\.1 201 Made It\r\n/);
    assert.deepEqual(r.headers['set-cookie'], ['a=1; Path=/', 'b=2; HttpOnly']);
    assert.equal(r.headers['x-multi'], 'one, two');
    assert.equal(r.headers['content-type'], 'text/x-made');
    assert.equal(r.body, 'made');
  });

  test('every body kind', async () => {
    const expect: Record<string, [string | RegExp, string | RegExp | undefined]> = {
      string: ['a string body', /^text\/plain/],
      bytes: ['bytes', undefined],
      blob: ['a blob body', 'application/x-blob'],
      stream: ['one,two', undefined],
      formdata: [/name="field"\r\n\r\nvalue\r\n/, /^multipart\/form-data; boundary=/],
      urlsearchparams: ['a=1&b=two', /^application\/x-www-form-urlencoded/],
      null: ['', undefined],
      json: ['{"ok":true}', 'application/json'],
    };
    for (const [kind, [body, type]] of Object.entries(expect)) {
      const r = await request(`${server.url}/kind/${kind}`);
      assert.equal(r.status, 200, kind);
      if (typeof body === 'string') assert.equal(r.body, body, kind);
      else assert.match(r.body, body, kind);
      if (type === undefined) assert.equal(r.headers['content-type'], undefined, kind);
      else if (typeof type === 'string') assert.equal(r.headers['content-type'], type, kind);
      else assert.match(r.headers['content-type'] ?? '', type, kind);
      // A body is framed either by its exact length or by chunked encoding.
      if (r.headers['content-length'] !== undefined) assert.equal(Number(r.headers['content-length']), Buffer.byteLength(r.body), kind);
      else assert.equal(r.headers['transfer-encoding'], 'chunked', kind);
    }
  });

  test('HEAD, 204 and 304 carry no body', async () => {
    for (const [method, target, status] of [
      ['HEAD', '/kind/string', 200],
      ['GET', '/no-content', 204],
      ['GET', '/not-modified', 304],
    ] as const) {
      const { data } = await rawExchange(server.port, `${method} ${target} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n`);
      assert.match(data, new RegExp(`^HTTP/1\\.1 ${status} `), target);
      assert.ok(data.endsWith('\r\n\r\n'), `${method} ${target} sent a body: ${JSON.stringify(data)}`);
    }
  });

  test('a streamed body follows the client (backpressure), never buffered whole', async () => {
    const res = await new Promise<http.IncomingMessage>((resolve, reject) => http.get(`${server.url}/big`, { agent: false }, resolve).on('error', reject));
    res.pause();
    const produced = async () => Number((await request(`${server.url}/produced`)).body);
    // Poll until production stalls while the client reads nothing.
    let last = -1;
    const stalled = await waitFor(
      'the producer to stall',
      async () => {
        const now = await produced();
        const same = now === last && now > 0;
        last = now;
        return same ? now : false;
      },
      10_000,
      200,
    );
    assert.ok(stalled < 16 * 1024 * 1024, `produced ${stalled} bytes for a client that read nothing`);
    const total = await new Promise<number>((resolve, reject) => {
      let n = 0;
      res.on('data', (d: Buffer) => (n += d.length));
      res.on('end', () => resolve(n));
      res.on('error', reject);
      res.resume();
    });
    assert.equal(total, 32 * 1024 * 1024);
  });

  test('an error mid-stream breaks the connection instead of ending the body', async () => {
    const { data } = await rawExchange(server.port, 'GET /mid-error HTTP/1.1\r\nHost: x\r\n\r\n');
    assert.match(data, /^HTTP\/1\.1 200 /);
    assert.match(data, /partial/);
    assert.ok(!data.endsWith('0\r\n\r\n'), 'the chunked body was terminated as if complete');
    await server.waitForLog(/stream broke/);
  });

  test('a throw or a rejection: 500, the stack in the error log, the worker keeps serving', async () => {
    const pid = (await request(`${server.url}/pid`)).body;
    for (const [route, message] of [
      ['/throw', 'thrown by the app'],
      ['/reject', 'rejected by the app'],
    ]) {
      const r = await request(`${server.url}${route}`);
      assert.equal(r.status, 500);
      assert.equal(r.body, 'Internal Server Error');
      await server.waitForLog(new RegExp(`Error: ${message}\\n\\s+at .*fetch-contract\\.mjs`));
    }
    assert.equal((await request(`${server.url}/pid`)).body, pid);
  });
});

describe('fetch-style ctx.waitUntil', { timeout: 30_000 }, () => {
  test('a stopping worker waits for waitUntil promises', async () => {
    const server = await startServer([APP, '--workers', '1']);
    const file = path.join(mkdtempSync(path.join(os.tmpdir(), 'narwhal-wait-until-')), 'marker');
    try {
      const r = await request(`${server.url}/wait-until?file=${encodeURIComponent(file)}`);
      assert.equal(r.body, 'scheduled');
      assert.equal(existsSync(file), false);
    } finally {
      await server.stop('SIGTERM');
    }
    assert.equal(readFileSync(file, 'utf8'), 'done');
  });
});
