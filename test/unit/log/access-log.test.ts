import assert from 'node:assert/strict';
import { test } from 'node:test';
import { compileAccessFormat, type AccessRecord } from '../../../src/log/access-log.js';

const record: AccessRecord = {
  remoteAddress: '10.0.0.9',
  method: 'POST',
  target: '/a/b?x=1&y=2',
  httpVersion: '1.1',
  status: 201,
  bodyBytes: 0,
  startedAt: Date.UTC(2026, 10, 25, 3, 4, 5),
  durationNs: 1_234_567_000n,
  requestHeader: (n) => ({ 'user-agent': 'ua', authorization: `Basic ${Buffer.from('alice:pw').toString('base64')}`, 'x-req': 'r1' })[n],
  responseHeader: (n) => ({ 'content-type': 'text/plain' })[n],
};

test("Gunicorn's atoms", () => {
  const f = compileAccessFormat('%(h)s|%(l)s|%(u)s|%(r)s|%(m)s|%(U)s|%(q)s|%(H)s|%(s)s|%(B)s|%(b)s|%(f)s|%(a)s|%(T)s|%(D)s|%(M)s|%(L)s|%({x-req}i)s|%({Content-Type}o)s|%({NO_SUCH_VAR_X}e)s');
  assert.equal(f(record), '10.0.0.9|-|alice|POST /a/b?x=1&y=2 HTTP/1.1|POST|/a/b|x=1&y=2|HTTP/1.1|201|0|-|-|ua|1|1234567|1234|1.234567|r1|text/plain|-');
});

test('t is Apache time and p the worker pid', () => {
  const out = compileAccessFormat('%(t)s %(p)s')(record);
  assert.match(out, /^\[25\/Nov\/2026:\d{2}:\d{2}:05 [+-]\d{4}\] <\d+>$/);
});
