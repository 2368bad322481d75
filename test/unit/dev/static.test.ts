// Static files for the dev server on a real socket: content types, validators
// and 304s, Range requests, and refused paths outside the directory.

import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { parseRange, staticHandler } from '../../../src/dev/static.js';
import { request } from '../../helpers/http.js';

/** A GET with the path sent as written (a URL object would resolve the dot segments first). */
function rawGet(base: string, rawPath: string): Promise<{ status: number; body: string }> {
  const { hostname, port } = new URL(base);
  return new Promise((resolve, reject) => {
    const req = http.request({ host: hostname, port, path: rawPath, agent: false }, (res) => {
      let body = '';
      res.setEncoding('utf8').on('data', (d: string) => (body += d)).on('end', () => resolve({ status: res.statusCode!, body }));
    });
    req.on('error', reject);
    req.end();
  });
}

describe('dev static files', () => {
  const base = mkdtempSync(path.join(tmpdir(), 'narwhal-static-'));
  const root = path.join(base, 'public');
  let server: http.Server;
  let url: string;

  before(async () => {
    mkdirSync(path.join(root, 'sub'), { recursive: true });
    writeFileSync(path.join(root, 'app.css'), 'body { color: red }\n');
    writeFileSync(path.join(root, 'digits.txt'), '0123456789');
    writeFileSync(path.join(root, 'sub', 'index.html'), '<h1>sub</h1>');
    writeFileSync(path.join(base, 'secret.txt'), 'do not serve');
    symlinkSync(path.join(base, 'secret.txt'), path.join(root, 'escape.txt'));
    const handle = staticHandler([{ prefix: '/static', dir: 'public' }], base);
    server = http.createServer((req, res) => {
      if (!handle(req, res)) res.end('app');
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    url = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
  });

  after(() => {
    server.close();
    rmSync(base, { recursive: true, force: true });
  });

  it('serves files with their content type and leaves other paths to the app', async () => {
    const css = await request(`${url}/static/app.css`);
    assert.equal(css.status, 200);
    assert.equal(css.headers['content-type'], 'text/css; charset=utf-8');
    assert.equal(css.body, 'body { color: red }\n');
    assert.equal((await request(`${url}/static/sub/`)).body, '<h1>sub</h1>');
    assert.equal((await request(`${url}/staticky`)).body, 'app');
    assert.equal((await request(`${url}/static/missing.js`)).status, 404);
    assert.equal((await request(`${url}/static/app.css`, { method: 'POST' })).status, 405);
    const head = await request(`${url}/static/app.css`, { method: 'HEAD' });
    assert.equal(head.headers['content-length'], '20');
    assert.equal(head.body, '');
  });

  it('answers 304 to a matching ETag or an unchanged Last-Modified', async () => {
    const first = await request(`${url}/static/app.css`);
    const etag = first.headers.etag!;
    assert.match(etag, /^W\/".+"$/);
    assert.equal((await request(`${url}/static/app.css`, { headers: { 'if-none-match': etag } })).status, 304);
    assert.equal((await request(`${url}/static/app.css`, { headers: { 'if-none-match': 'W/"other"' } })).status, 200);
    assert.equal((await request(`${url}/static/app.css`, { headers: { 'if-modified-since': first.headers['last-modified']! } })).status, 304);
    assert.equal((await request(`${url}/static/app.css`, { headers: { 'if-modified-since': 'Thu, 01 Jan 1970 00:00:00 GMT' } })).status, 200);
  });

  it('serves byte ranges', async () => {
    const mid = await request(`${url}/static/digits.txt`, { headers: { range: 'bytes=2-4' } });
    assert.equal(mid.status, 206);
    assert.equal(mid.body, '234');
    assert.equal(mid.headers['content-range'], 'bytes 2-4/10');
    assert.equal((await request(`${url}/static/digits.txt`, { headers: { range: 'bytes=-3' } })).body, '789');
    assert.equal((await request(`${url}/static/digits.txt`, { headers: { range: 'bytes=7-' } })).body, '789');
    const bad = await request(`${url}/static/digits.txt`, { headers: { range: 'bytes=20-30' } });
    assert.equal(bad.status, 416);
    assert.equal(bad.headers['content-range'], 'bytes */10');
    // A stale If-Range gets the whole file.
    assert.equal((await request(`${url}/static/digits.txt`, { headers: { range: 'bytes=2-4', 'if-range': 'W/"old"' } })).status, 200);
  });

  it('refuses paths that leave the directory', async () => {
    for (const p of ['/static/../secret.txt', '/static/%2e%2e/secret.txt', '/static/..%2fsecret.txt', '/static/sub/..%2f..%2fsecret.txt', '/static/escape.txt', '/static/%00app.css']) {
      const r = await rawGet(url, p);
      assert.ok(r.status === 404, `${p}: ${r.status}`);
      assert.doesNotMatch(r.body, /do not serve/, p);
    }
  });

  it('parses ranges as RFC 9110 says', () => {
    assert.deepEqual(parseRange('bytes=0-0', 5), { start: 0, end: 0 });
    assert.deepEqual(parseRange('bytes=3-99', 5), { start: 3, end: 4 });
    assert.equal(parseRange('bytes=0-1,3-4', 5), null);
    assert.equal(parseRange('items=0-1', 5), null);
    assert.equal(parseRange('bytes=-0', 5), 'unsatisfiable');
    assert.equal(parseRange('bytes=4-2', 5), 'unsatisfiable');
  });
});
