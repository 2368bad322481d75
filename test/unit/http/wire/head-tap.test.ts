import assert from 'node:assert/strict';
import type { IncomingMessage } from 'node:http';
import { describe, it } from 'node:test';
import { headRules } from '../../../../src/http/head-rules.js';
import { HeadTap } from '../../../../src/http/wire/head-tap.js';
import { defaultHeadRules } from '../../../helpers/head-rules.js';

const rules = headRules(defaultHeadRules({ secureSchemeHeaders: {} }));

/** A tap fed reads as llhttp would: `events` says what llhttp reported during each read. */
function tapWith(opts: { headLimit?: number; keepAtMost?: number } = {}) {
  const refusals: number[] = [];
  const tap = new HeadTap({ rules, headLimit: opts.headLimit ?? 0, headerTimeoutMs: 0, keepAtMost: opts.keepAtMost ?? 1 << 20, onLineEnds: (s) => refusals.push(s) });
  let total = 0;
  const read = (text: string, during: (() => void)[] = []) => {
    const buf = Buffer.from(text, 'latin1');
    for (const e of during) e();
    total += buf.length;
    assert.equal(tap.read(buf.length, () => Buffer.from(buf)), true);
  };
  const request = (complete: boolean) => {
    const req = { complete } as IncomingMessage;
    return { req, begin: () => tap.begin(), headed: () => tap.request(req) };
  };
  return { tap, read, request, refusals, total: () => total };
}

describe('HeadTap', () => {
  it('keeps nothing for requests read whole, and gives the refused head of the read it is in', () => {
    const t = tapWith();
    const r = t.request(true);
    t.read('GET /a HTTP/1.1\r\nHost: h\r\n\r\n', [r.begin, r.headed]);
    const first = 'GET /b HTTP/1.1\r\nHost: h\r\n\r\n';
    const raw = Buffer.from(`${first}GET /\xe9 HTTP/1.1\r\n`, 'latin1');
    const r2 = t.request(true);
    r2.begin();
    r2.headed();
    t.tap.begin();
    const head = t.tap.refusedHead(raw, t.total() + raw.length);
    assert.equal(head?.toString('latin1'), 'GET /\xe9 HTTP/1.1\r\n');
  });

  it('keeps the reads of a head still arriving, and of a body, from the last boundary', () => {
    const t = tapWith();
    const r = t.request(false);
    t.read('POST /a HTTP/1.1\r\nHost: h\r\nContent-Length: 3\r\n\r\na', [r.begin, r.headed]);
    r.req.complete = true;
    t.read('bcGET /', [() => t.tap.begin()]);
    const raw = Buffer.from('\xe9 HTTP/1.1\r\n\r\n', 'latin1');
    assert.equal(t.tap.refusedHead(raw, t.total() + raw.length)?.toString('latin1'), 'GET /\xe9 HTTP/1.1\r\n\r\n');
    // Reads after the refusal are the strict parser's.
    assert.equal(t.tap.read(new Error('refused') as never, () => Buffer.from('more')), false);
    assert.deepEqual(t.tap.rest().map(String), ['more']);
  });

  it('gives nothing when a read went by unseen or more than keepAtMost was kept', () => {
    const t = tapWith();
    t.read('GET /', [() => t.tap.begin()]);
    assert.equal(t.tap.refusedHead(Buffer.from('\xe9'), t.total() + 1 + 10), null);
    const small = tapWith({ keepAtMost: 8 });
    small.read('GET /abcdefgh', [() => small.tap.begin()]);
    assert.equal(small.tap.refusedHead(Buffer.from('\xe9'), small.total() + 1), null);
  });

  it('counts reads of nothing but CR and LF against the head limit: 431 past it', () => {
    const t = tapWith({ headLimit: 200 });
    for (let i = 0; i < 4; i++) t.read('\r\n'.repeat(20));
    assert.deepEqual(t.refusals, []);
    t.read('\r\n'.repeat(25));
    assert.deepEqual(t.refusals, [431]);
    const u = tapWith({ headLimit: 200 });
    u.read('\r\n'.repeat(60));
    u.read('\r\nGET / HTTP/1.1\r\n\r\n', [() => u.tap.begin(), u.request(true).headed]);
    u.read('\r\n'.repeat(60));
    assert.deepEqual(u.refusals, [], 'a request between them starts the count again');
  });
});
