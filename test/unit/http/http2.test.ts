// --header-map for HTTP/2 requests, on a real HTTP/2 server and client in this process.

import assert from 'node:assert/strict';
import http2 from 'node:http2';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { applyHeaderMap } from '../../../src/http/http2.js';

describe('applyHeaderMap', () => {
  let server: http2.Http2Server;
  let mode: 'drop' | 'refuse' | 'dangerous' = 'drop';
  let client: http2.ClientHttp2Session;

  before(async () => {
    server = http2.createServer((req, res) => {
      if (!applyHeaderMap(req as unknown as IncomingMessage, res as unknown as ServerResponse, mode)) return;
      res.end(JSON.stringify({ raw: req.rawHeaders.filter((_, i) => i % 2 === 0), names: Object.keys(req.headers) }));
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    client = http2.connect(`http://127.0.0.1:${(server.address() as AddressInfo).port}`);
  });

  after(() => {
    client.close();
    server.close();
  });

  const get = () =>
    new Promise<{ status: number; body: string }>((resolve, reject) => {
      const stream = client.request({ ':path': '/', x_under: '1', 'x-dash': '2' });
      let status = 0;
      let body = '';
      stream.on('response', (h) => (status = Number(h[':status'])));
      stream.on('data', (c: Buffer) => (body += c));
      stream.on('end', () => resolve({ status, body }));
      stream.on('error', reject);
    });

  it('drops names with an underscore from rawHeaders and headers', async () => {
    mode = 'drop';
    const { status, body } = await get();
    const seen = JSON.parse(body) as { raw: string[]; names: string[] };
    assert.equal(status, 200);
    assert.ok(seen.raw.includes('x-dash') && seen.names.includes('x-dash'));
    assert.ok(!seen.raw.includes('x_under') && !seen.names.includes('x_under'));
  });

  it('refuses them with 400, or keeps them when dangerous', async () => {
    mode = 'refuse';
    assert.equal((await get()).status, 400);
    mode = 'dangerous';
    assert.ok((JSON.parse((await get()).body) as { names: string[] }).names.includes('x_under'));
  });
});
