// How a fetch-style app's plain HTTP/1.1 connections are handled now that they
// are served straight from the strict gate, without node:http: framing for
// HTTP/1.0 and 1.1 streams, many pipelined requests, an unread request body
// followed by another request, keep-alive expiry, upgrade requests the app
// does not take, and the app closing the connection. Real narwhal, one worker, raw TCP.

import assert from 'node:assert/strict';
import net from 'node:net';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { FIXTURES, startServer, type Server } from '../helpers/narwhal.js';
import { exchange, parseResponses } from '../helpers/raw-http.js';

const APP = path.join(FIXTURES, 'direct.mjs');

/** Undoes the chunked coding of one response body (the raw-http parser refuses chunked bodies). */
function dechunk(text: string): string {
  let out = '';
  let i = 0;
  for (;;) {
    const eol = text.indexOf('\r\n', i);
    const size = parseInt(text.slice(i, eol), 16);
    if (size === 0) return out;
    out += text.slice(eol + 2, eol + 2 + size);
    i = eol + 2 + size + 2;
  }
}

describe('fetch-style apps on plain HTTP/1.1 connections', () => {
  let server: Server;
  before(async () => {
    server = await startServer([APP, '--keep-alive', '1']);
  });
  after(async () => {
    await server?.stop();
  });

  it('streams to HTTP/1.1 clients chunked, and to HTTP/1.0 clients until the close', async () => {
    const v11 = await exchange(server.port, Buffer.from('GET /stream HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n'), { halfClose: false });
    const text = v11.data.toString('latin1');
    const head = text.slice(0, text.indexOf('\r\n\r\n'));
    assert.match(head, /^HTTP\/1\.1 200 OK\r\n/);
    assert.match(head, /\r\nTransfer-Encoding: chunked/i);
    assert.equal(dechunk(text.slice(head.length + 4)), 'abc');
    assert.ok(text.endsWith('0\r\n\r\n'), 'the chunked body is terminated');

    const v10 = await exchange(server.port, Buffer.from('GET /stream HTTP/1.0\r\n\r\n'), { halfClose: false });
    assert.equal(v10.closed, true, 'the end of the body is the end of the connection');
    const [res] = parseResponses(v10.data);
    assert.doesNotMatch(res!.head, /transfer-encoding|content-length/i);
    assert.match(res!.head, /\r\nConnection: close/i);
    assert.equal(res!.body.toString(), 'abc');
  });

  it('answers forty pipelined requests in order', async () => {
    const wire = Array.from({ length: 40 }, (_, i) => `GET /r${i} HTTP/1.1\r\nHost: x\r\n${i === 39 ? 'Connection: close\r\n' : ''}\r\n`).join('');
    const { data, closed } = await exchange(server.port, Buffer.from(wire), { halfClose: false });
    assert.equal(closed, true);
    const bodies = parseResponses(data).map((r) => r.body.toString());
    assert.deepEqual(bodies, Array.from({ length: 40 }, (_, i) => `/r${i}`));
  });

  it('drops a request body the app did not read, and serves the next request on the connection', async () => {
    const body = Buffer.alloc(300 * 1024, 120);
    const wire = [
      Buffer.from(`POST /ignore HTTP/1.1\r\nHost: x\r\nContent-Length: ${body.length}\r\n\r\n`),
      body,
      Buffer.from('GET /after HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n'),
    ];
    const { data, closed } = await exchange(server.port, wire, { halfClose: false });
    assert.equal(closed, true);
    assert.deepEqual(parseResponses(data).map((r) => r.body.toString()), ['ignored', '/after']);
  });

  it('says how long an idle connection is kept, and closes it after that', async () => {
    const socket = net.connect(server.port, '127.0.0.1');
    let data = '';
    socket.setEncoding('latin1').on('data', (d: string) => (data += d));
    const closed = new Promise<number>((resolve) => socket.on('close', () => resolve(Date.now())));
    socket.write('GET /idle HTTP/1.1\r\nHost: x\r\n\r\n');
    const sent = Date.now();
    const deadline = setTimeout(() => socket.destroy(), 5000);
    const at = await closed;
    clearTimeout(deadline);
    assert.match(data, /\r\nConnection: keep-alive\r\nKeep-Alive: timeout=1\r\n/i);
    assert.ok(data.endsWith('/idle'), data);
    assert.ok(at - sent >= 900 && at - sent < 4500, `closed after ${at - sent} ms`);
  });

  it('serves an upgrade request as a plain one when the app takes no upgrades, and reads nothing after it', async () => {
    const wire = 'GET /up HTTP/1.1\r\nHost: x\r\nConnection: Upgrade\r\nUpgrade: websocket\r\n\r\nGET /never HTTP/1.1\r\nHost: x\r\n\r\n';
    const { data, closed } = await exchange(server.port, Buffer.from(wire), { halfClose: false });
    assert.equal(closed, true);
    const responses = parseResponses(data);
    assert.deepEqual(responses.map((r) => [r.status, r.body.toString()]), [[200, '/up']]);
    assert.match(responses[0]!.head, /\r\nConnection: close/i);
  });

  it('closes the connection when the app answers with Connection: close', async () => {
    const { data, closed } = await exchange(server.port, Buffer.from('GET /close HTTP/1.1\r\nHost: x\r\n\r\nGET /never HTTP/1.1\r\nHost: x\r\n\r\n'), { halfClose: false });
    assert.equal(closed, true);
    const responses = parseResponses(data);
    assert.deepEqual(responses.map((r) => r.body.toString()), ['bye']);
    assert.match(responses[0]!.head, /\r\nconnection: close/i);
  });
});
