import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { FIXUP_HEADER, headRules, parseHead, type HeadRulesConfig } from '../../../src/http/head-rules.js';
import { HttpError } from '../../../src/http/http-error.js';
import { defaultHeadRules } from '../../helpers/head-rules.js';

const base: HeadRulesConfig = defaultHeadRules({ secureSchemeHeaders: { 'X-FORWARDED-PROTO': 'https', 'X-FORWARDED-SSL': 'on' } });
const rules = (over: Partial<HeadRulesConfig> = {}) => headRules({ ...base, ...over });
/** HTTP/1.1 needs a Host (RFC 9112 3.2): one is added last where a test's lines have none. */
const withHost = (lines: string[]) => (/ HTTP\/1\.1$/.test(lines[0]!) && !lines.some((l) => /^host:/i.test(l)) ? [...lines, 'Host: h'] : lines);
const head = (lines: string[], over: Partial<HeadRulesConfig> = {}, trusted = true) => parseHead(withHost(lines).join('\r\n'), rules(over), trusted);
const rejects = (status: number, lines: string[], over: Partial<HeadRulesConfig> = {}, trusted = true) =>
  assert.throws(() => head(lines, over, trusted), (e: unknown) => e instanceof HttpError && e.status === status && e.phase === 'head');

describe('headRules', () => {
  it('applies Gunicorn\'s maxima and the meaning of 0', () => {
    const r = rules({ limitRequestLine: 0, limitRequestFields: 0, limitRequestFieldSize: 0 });
    assert.equal(r.limitRequestLine, 8190);
    assert.equal(r.limitRequestFields, 32768);
    assert.equal(r.limitRequestFieldSize, 8190);
    assert.equal(rules({ limitRequestLine: 9000 }).limitRequestLine, 8190);
    assert.equal(rules({ limitRequestFieldSize: 9000 }).limitRequestFieldSize, 9000);
    assert.equal(rules().maxHeaderBytes, 100 * 8192 + 4);
  });
});

describe('parseHead', () => {
  it('reads a plain request and passes its bytes through unchanged', () => {
    const h = head(['POST /a?b=1 HTTP/1.1', 'Host: x', 'Content-Length:  5 ']);
    assert.equal(h.method, 'POST');
    assert.equal(h.target, '/a?b=1');
    assert.deepEqual(h.headers, ['Host', 'x', 'Content-Length', '5']);
    assert.equal(h.body, 5);
    assert.equal(h.close, false);
    assert.equal(h.forward, null);
  });

  it('closes HTTP/1.0 unless keep-alive, and HTTP/1.1 on Connection: close', () => {
    assert.equal(head(['GET / HTTP/1.0']).close, true);
    assert.equal(head(['GET / HTTP/1.0', 'Connection: Keep-Alive']).close, false);
    assert.equal(head(['GET / HTTP/1.1', 'Connection: foo, close']).close, true);
  });

  it('rejects malformed request lines, methods and versions with 400', () => {
    for (const line of ['GET /', 'GET  HTTP/1.1', 'GET / HTTP/1.1 x', 'get / HTTP/1.1', 'G / HTTP/1.1', 'GE:T / HTTP/1.1', 'GET / HTTP/2.0', 'GET / HTTP/1.10', 'GET foo HTTP/1.1', 'GET * HTTP/1.1', 'GET a.b:80 HTTP/1.1', 'GET http://[::1/ HTTP/1.1', 'GET /\x01 HTTP/1.1']) {
      rejects(400, [line]);
    }
    rejects(400, [`GET /${'a'.repeat(4094)} HTTP/1.1`]);
  });

  it('takes runs of SP between the request-line parts, as llhttp does (RFC 9112 section 3)', () => {
    for (const line of ['GET  /a?x HTTP/1.1', 'GET /a?x   HTTP/1.1', 'GET    /a?x  HTTP/1.1']) {
      const h = head([line]);
      assert.deepEqual([h.method, h.target, h.major, h.minor], ['GET', '/a?x', 1, 1], line);
    }
  });

  it('refuses other whitespace in a request line, and SP before the method or after the version', () => {
    for (const line of ['GET\t/a HTTP/1.1', 'GET /a\tHTTP/1.1', 'GET \t/a HTTP/1.1', ' GET /a HTTP/1.1', 'GET /a HTTP/1.1 ', 'GET /a HTTP/1.1  ', 'GET \x0b/a HTTP/1.1']) rejects(400, [line]);
  });

  it('refuses a tab after a final chunked (llhttp cannot frame that body), as invalid Transfer-Encoding', () => {
    for (const te of ['chunked\t', 'chunked \t', 'chunked\t ', 'gzip, chunked\t']) {
      assert.throws(() => head(['POST / HTTP/1.1', `Transfer-Encoding: ${te}`]), (e: unknown) => e instanceof HttpError && e.status === 400 && e.message === 'invalid Transfer-Encoding', JSON.stringify(te));
    }
    for (const te of ['chunked ', '\tchunked', 'chunked  ']) assert.equal(head(['POST / HTTP/1.1', `Transfer-Encoding:${te.startsWith('\t') ? '' : ' '}${te}`]).body, 'chunked', JSON.stringify(te));
  });

  it('permits and case-folds methods only when told to', () => {
    assert.equal(head(['-blargh / HTTP/1.1'], { permitUnconventionalHttpMethod: true }).method, '-blargh');
    assert.equal(head(['-blargh / HTTP/1.1'], { permitUnconventionalHttpMethod: true, casefoldHttpMethod: true }).method, '-BLARGH');
  });

  it('hands node:http a known method and target in place of ones it cannot parse', () => {
    const connect = head(['CONNECT example.com:443 HTTP/1.1', 'Host: example.com:443']);
    assert.deepEqual([connect.method, connect.target, connect.forward?.method, connect.forward?.target], ['CONNECT', 'example.com:443', 'GET', '/']);
    const odd = head(['-BLARGH /\xc3\xa0 HTTP/1.1']);
    assert.deepEqual([odd.forward?.method, odd.forward?.target], ['GET', '/']);
    assert.equal(head(['OPTIONS * HTTP/1.1']).forward, null);
  });

  it('rejects bad header names and values', () => {
    rejects(400, ['GET / HTTP/1.1', 'Content-Length : 3']);
    rejects(400, ['GET / HTTP/1.1', ': x']);
    rejects(400, ['GET / HTTP/1.1', 'no colon']);
    rejects(400, ['GET / HTTP/1.1', 'A\xdf: 1']);
    rejects(400, ['GET / HTTP/1.1', 'X: a\x07b']);
    rejects(400, ['GET / HTTP/1.1', 'X: a\nB: c']);
    assert.deepEqual(head(['GET / HTTP/1.1', 'Content-Length : 3'], { stripHeaderSpaces: true }).headers, ['Content-Length', '3', 'Host', 'h']);
  });

  it('refuses obsolete folding unless permitted, then joins the lines', () => {
    rejects(400, ['GET / HTTP/1.1', 'Long: one', ' two']);
    const h = head(['GET / HTTP/1.1', 'Long: one', ' \ttwo ', 'Host: h'], { permitObsoleteFolding: true });
    assert.deepEqual(h.headers, ['Long', 'one two', 'Host', 'h']);
    assert.notEqual(h.forward, null);
  });

  it('answers 431 for too many or too long header fields, never dropping them', () => {
    rejects(431, ['GET / HTTP/1.1', 'A: 1', 'B: 2', 'C: 3'], { limitRequestFields: 2 });
    assert.equal(head(['GET / HTTP/1.1', 'A: 1', 'B: 2'], { limitRequestFields: 3 }).headers.length, 6);
    rejects(431, ['GET / HTTP/1.1', 'Accept: */*'], { limitRequestFieldSize: 12 });
    assert.ok(head(['GET / HTTP/1.1', 'Accept: */*'], { limitRequestFieldSize: 13 }));
  });

  it('drops, refuses or keeps names with underscores as header_map says', () => {
    const lines = ['GET / HTTP/1.1', 'X_Forwarded_For: 1.2.3.4', 'A: 1'];
    assert.deepEqual(head(lines).headers, ['A', '1', 'Host', 'h']);
    rejects(400, lines, { headerMap: 'refuse' });
    assert.deepEqual(head(lines, { headerMap: 'dangerous' }).headers, ['X_Forwarded_For', '1.2.3.4', 'A', '1', 'Host', 'h']);
  });

  it('drops a client\'s own copy of the internal fixup header', () => {
    const h = head(['GET / HTTP/1.1', `${FIXUP_HEADER}: 0`]);
    assert.deepEqual(h.headers, ['Host', 'h']);
    assert.notEqual(h.forward, null);
  });

  it('refuses conflicting, repeated or malformed framing headers', () => {
    rejects(400, ['GET / HTTP/1.1', 'Content-Length: 3', 'Content-Length: 3']);
    for (const v of ['-1', '+1', '0 1', '5, 5', '1_0', '']) rejects(400, ['GET / HTTP/1.1', `Content-Length: ${v}`]);
    rejects(400, ['POST / HTTP/1.1', 'Content-Length: 3', 'Transfer-Encoding: chunked']);
    rejects(400, ['POST / HTTP/1.0', 'Transfer-Encoding: chunked']);
    rejects(400, ['POST / HTTP/1.1', 'Transfer-Encoding: chunked, chunked']);
    rejects(400, ['POST / HTTP/1.1', 'Transfer-Encoding: chunked', 'Transfer-Encoding: gzip']);
    rejects(501, ['POST / HTTP/1.1', 'Transfer-Encoding: foo']);
    rejects(400, ['GET / HTTP/1.1', 'Host: a', 'Host: b']);
    rejects(400, ['GET / HTTP/1.1', 'Content-Type: a', 'Content-Type: b']);
  });

  it('takes chunked as the only transfer coding: 501 for any other, 400 beside Content-Length or after chunked', () => {
    rejects(501, ['POST / HTTP/1.1', 'Transfer-Encoding: gzip', 'Transfer-Encoding: chunked']);
    rejects(501, ['POST / HTTP/1.1', 'Transfer-Encoding: identity, chunked']);
    rejects(501, ['POST / HTTP/1.1', 'Transfer-Encoding: identity']);
    rejects(400, ['POST / HTTP/1.1', 'Transfer-Encoding: identity', 'Content-Length: 5']);
    rejects(400, ['POST / HTTP/1.1', 'Transfer-Encoding: chunked, identity']);
    rejects(400, ['POST / HTTP/1.1', 'Transfer-Encoding:']);
    const h = head(['POST / HTTP/1.1', 'Transfer-Encoding: Chunked']);
    assert.equal(h.body, 'chunked');
    assert.equal(h.forceClose, false);
  });

  it('checks secure-scheme headers only from trusted peers', () => {
    const lines = ['GET / HTTP/1.1', 'X-Forwarded-Proto: https', 'X-Forwarded-Ssl: off'];
    rejects(400, lines, {}, true);
    assert.ok(head(lines, {}, false));
  });
});
