// The compatibility suite for `--fetch-classes light` (src/http/fetch/): a real
// `narwhal` serves test/fixtures/apps/fetch-classes.mjs twice, with the light
// classes and with Node's own, and every report the app makes inside its worker
// (instanceof both ways, subclasses, statics, clone, each body kind and reader,
// changed headers, copies of the request, fetch(), inspect, toString) must be
// the same in both, and as Node documents it. Run on Node 20 and 24.

import assert from 'node:assert/strict';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import * as workerThreads from 'node:worker_threads';
import { request, type Reply } from '../helpers/http.js';
import { FIXTURES, startServer, type Server } from '../helpers/narwhal.js';

const APP = path.join(FIXTURES, 'fetch-classes.mjs');

type Report = Record<string, unknown>;

async function report(server: Server, route: string, opts: Parameters<typeof request>[1] = {}): Promise<Report> {
  const reply = await request(`${server.url}${route}`, { headers: { 'x-test': 'seen' }, ...opts });
  assert.equal(reply.status, 200, `${route}: ${reply.body}`);
  return JSON.parse(reply.body) as Report;
}

/** Each key's value equal in both reports, named in the failure. */
function sameReports(light: Report, node: Report): void {
  assert.deepEqual(Object.keys(light), Object.keys(node));
  for (const key of Object.keys(node)) assert.deepEqual(light[key], node[key], `light and node classes differ on "${key}"`);
}

/**
 * What a client sees of a response, without the fields that change per
 * request. Sorted by name: the light classes send the fields in the order the
 * app gave them, Node's Headers in name order (docs/http.md).
 */
function wire(reply: Reply): unknown {
  const headers = Object.entries(reply.headers).filter(([name]) => name !== 'date' && name !== 'keep-alive').sort(([x], [y]) => (x < y ? -1 : 1));
  return { status: reply.status, headers, body: reply.body };
}

describe('fetch classes: light against Node\'s own', { timeout: 120_000 }, () => {
  let light: Server;
  let node: Server;
  before(async () => {
    [light, node] = await Promise.all([
      startServer([APP, '--interface', 'fetch', '--workers', '1', '--fetch-classes', 'light']),
      startServer([APP, '--interface', 'fetch', '--workers', '1', '--fetch-classes', 'node']),
    ]);
  });
  after(async () => {
    await Promise.all([light?.stop(), node?.stop()]);
  });

  test('the setting decides which classes the worker has', async () => {
    assert.equal((await request(`${light.url}/light`)).body, 'true', 'light: Response is the light class');
    assert.equal((await request(`${node.url}/light`)).body, 'false', 'node: Response is Node\'s own');
  });

  test('classes, instanceof both ways, subclasses, statics, clone, inspect and fetch() report the same', async () => {
    const [a, b] = await Promise.all([report(light, '/classes'), report(node, '/classes')]);
    sameReports(a, b);
    assert.equal(a['node Response instanceof Response'], true);
    assert.equal(a['Response instanceof node Response'], true);
    assert.equal(a['plain object instanceof Response'], false);
    assert.equal(a['Request instanceof Response'], false);
    assert.deepEqual(a['subclass instanceof'], [true, true, true, false]);
    assert.deepEqual(a['subclass members'], ['extra 201', 'Custom', '[object Response]', 'custom body']);
    assert.deepEqual(a['request subclass'], [true, true, 'r', 'http://a.test/x']);
    assert.equal(a['toString'], '[object Response]');
    assert.match(String(a['inspect']), /^Response \{/);
    assert.match(String(a['inspect']), /status: 404/);
    assert.deepEqual(a['Response.json'], [true, 202, [['content-type', 'application/json'], ['x-a', '1']], '{"a":[1,"b"]}']);
    assert.deepEqual(a['Response.redirect'], [true, 301, 'http://a.test/next', null]);
    assert.deepEqual((a['Response.error'] as unknown[]).slice(0, 4), [true, 'error', 0, false]);
    assert.deepEqual((a['Response.error'] as { threw?: string }[])[4]!.threw, 'TypeError');
    const text = ['content-type', 'text/plain;charset=UTF-8'];
    assert.deepEqual(a['clone'], [true, 'clone me', 'clone me', [['a', '1'], text], [['a', '1'], ['b', '2'], text], true, true]);
    const late = [['b', '2'], text, ['set-cookie', 'x=1']];
    assert.deepEqual(a['headers changed'], [late, late, 'late']);
    assert.deepEqual((a['new Response(other.body)'] as unknown[]).slice(0, 4), [false, 203, 'moved body', true]);
    assert.deepEqual((a['fetch result'] as unknown[]).slice(0, 3), [true, true, 200]);
    assert.deepEqual(JSON.parse((a['fetch result text'] as [string])[0]), { method: 'GET', url: '/get', body: '', marker: null });
    assert.deepEqual(JSON.parse(a['fetch(Request)'] as string), { method: 'POST', url: '/post', body: 'sent', marker: 'changed' });
    assert.deepEqual(JSON.parse(a['fetch(url, init)'] as string), { method: 'PUT', url: '/put', body: 'q=1', marker: null });
    // Node marks its objects uncloneable where it can (22.10+); before that they clone to {}.
    assert.deepEqual(a['structuredClone fresh'], 'markAsUncloneable' in workerThreads ? { threw: 'DataCloneError', message: 'Cannot clone object of unsupported type.' } : { ok: 'object [object Object]' });
    for (const bad of a['bad init'] as { threw?: string }[]) assert.ok(bad.threw, `a bad constructor argument throws: ${JSON.stringify(bad)}`);
  });

  test('every body kind through every reader reports the same, on Response and on Request', async () => {
    const [a, b] = await Promise.all([report(light, '/bodies'), report(node, '/bodies')]);
    sameReports(a, b);
    assert.deepEqual(a['string text'], { ok: 'a string body' });
    assert.deepEqual(a['string type'], 'text/plain;charset=UTF-8');
    assert.deepEqual(a['uint8array arrayBuffer'], { ok: { arrayBuffer: [104, 105, 0, 255] } });
    assert.deepEqual(a['dataview getReader'], { ok: { bytes: [8, 7] } });
    assert.deepEqual(a['json json'], { ok: '{"a":[1,2]}' });
    assert.deepEqual(a['blob type'], 'application/x-blob');
    assert.deepEqual(a['urlsearchparams formData'], { ok: '[["a","1"],["b","two 2"]]' });
    assert.deepEqual(a['formdata formData'], { ok: '[["a","1"],["b","two"]]' });
    assert.deepEqual(a['stream text'], { ok: 'one,two' });
    assert.deepEqual(a['null getReader'], { ok: 'null body' });
    assert.equal((a['string read twice'] as { threw: string }).threw, 'TypeError');
    assert.equal((a['string clone after read'] as { threw: string }).threw, 'TypeError');
    assert.equal(a['string bodyUsed after read'], true);
    assert.equal(a['null bodyUsed after read'], false);
    assert.deepEqual(a['request string text'], { ok: 'a string body' });
    if ((a['string bytes'] as { ok?: unknown }).ok !== 'no bytes()') assert.deepEqual(a['string bytes'], { ok: { bytes: [...Buffer.from('a string body')] } });
  });

  test('the incoming Request reports the same: fields, getters, signal, inspect', async () => {
    const [a, b] = await Promise.all([report(light, '/request?q=1'), report(node, '/request?q=1')]);
    sameReports(a, b);
    assert.deepEqual(a['instanceof'], [true, false, '[object Request]', true]);
    assert.deepEqual(a['fields'], ['GET', 'http://127.0.0.1:PORT/request?q=1', 'seen', false, false]);
    assert.deepEqual(a['signal'], [true, false, true]);
    assert.match(String(a['inspect']), /^Request \{/);
    assert.equal(a['headers changed'], 'yes');
  });

  const BODY_CASES: [string, string, string, unknown][] = [
    ['copy', 'text/plain', 'copied', [true, 'POST', 'http://127.0.0.1:PORT/request-body/copy', 'yes', true, 'copied']],
    ['copy-to-url', 'text/plain', 'to url', ['POST', 'http://other.test/x', 'yes', 'seen', 'to url']],
    ['clone', 'text/plain', 'cloned', [true, 'cloned', 'cloned', 'yes']],
    ['response-body', 'text/plain', 'piped', ['piped', true]],
    ['json', 'application/json', '{"n":[1]}', [{ n: [1] }, true]],
    ['formData', 'application/x-www-form-urlencoded', 'a=1&b=2', '[["a","1"],["b","2"]]'],
    ['arrayBuffer', 'application/octet-stream', 'ab', { arrayBuffer: [97, 98] }],
    ['blob', 'text/x-blob', 'blobbed', [true, 'text/x-blob', 'blobbed']],
    ['reader', 'text/plain', 'rd', { bytes: [114, 100] }],
    ['fetch', 'text/plain', 'forwarded', { method: 'POST', url: '/forward', body: 'forwarded', marker: null }],
  ];
  for (const [mode, type, body, expected] of BODY_CASES) {
    test(`the incoming Request's body: ${mode}`, async () => {
      const opts = { method: 'POST', body, headers: { 'x-test': 'seen', 'content-type': type } };
      const [a, b] = await Promise.all([report(light, `/request-body/${mode}`, opts), report(node, `/request-body/${mode}`, opts)]);
      assert.deepEqual(a, b, 'light and node classes differ');
      const got = Array.isArray(a) && Array.isArray(expected) ? a.slice(0, expected.length) : a;
      assert.deepEqual(got, expected);
    });
  }

  const SENT = ['string', 'uint8array', 'arraybuffer', 'dataview', 'blob', 'formdata', 'urlsearchparams', 'stream', 'null', 'empty', 'fetched', 'subclass', 'late-headers', 'json', 'redirect', 'cloned'];
  test('what the server sends for each Response the app returns is the same', async () => {
    for (const kind of SENT) {
      const [a, b] = await Promise.all([request(`${light.url}/send/${kind}`), request(`${node.url}/send/${kind}`)]);
      const boundaryFree = (r: Reply) => {
        const boundary = /boundary=(.*)$/.exec(String(r.headers['content-type'] ?? ''))?.[1];
        if (!boundary) return wire(r);
        const text = JSON.stringify(wire(r)).split(boundary).join('B');
        return JSON.parse(text) as unknown;
      };
      assert.deepEqual(boundaryFree(a), boundaryFree(b), `/send/${kind}`);
    }
    const fetched = await request(`${light.url}/send/fetched`);
    assert.equal(fetched.headers['x-from'], 'upstream', 'a fetch() result returned unchanged keeps its headers');
    assert.deepEqual(fetched.headers['set-cookie'], ['a=1', 'b=2']);
    assert.deepEqual(JSON.parse(fetched.body), { method: 'GET', url: '/sent', body: '', marker: null });
    const late = await request(`${light.url}/send/late-headers`);
    assert.equal(late.headers['x-late'], 'yes');
    assert.equal(late.headers.a, undefined, 'a header deleted after construction is not sent');
    const sub = await request(`${light.url}/send/subclass`);
    assert.deepEqual([sub.status, sub.headers['x-sub'], sub.body], [202, '1', 'from a subclass']);
    const bytes = await request(`${light.url}/send/uint8array`);
    assert.equal(bytes.headers['content-length'], '4');
    const echo = await request(`${light.url}/send/echo`, { method: 'POST', body: 'echoed', headers: { 'content-type': 'text/x-echo' } });
    assert.deepEqual([echo.body, echo.headers['content-type']], ['echoed', 'text/x-echo']);
    const head = await request(`${light.url}/send/string`, { method: 'HEAD' });
    assert.deepEqual([head.status, head.body], [200, '']);
  });
});
