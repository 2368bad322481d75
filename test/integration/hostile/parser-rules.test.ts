// The request-line rules where llhttp and the strict parser used to differ,
// now one rule on both: CR and LF before a request line (skipped, counted
// against the head limit), runs of SP between its parts, a non-ASCII target
// however it arrives (first, pipelined, after a large body: llhttp hands the
// head over), and `chunked` followed by a tab. Each case goes to node-style
// and fetch-style apps under strict, native and auto; all six must answer
// alike, with the app seeing the same method and target.

import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { APPS, exchangeOver, responses, seen, type Server } from './harness.js';
import { startServer } from '../../helpers/narwhal.js';

const PARSERS = ['strict', 'native', 'auto'] as const;
const KINDS = ['node', 'fetch'] as const;

const get = (target: string) => `GET ${target} HTTP/1.1\r\nHost: h\r\n\r\n`;
const big = 'x'.repeat(100_000);
const pieces = (s: string, size: number): string[] => Array.from({ length: Math.ceil(s.length / size) }, (_, i) => s.slice(i * size, (i + 1) * size));

interface Case {
  /** The test name, with the RFC 9112 section that decides it. */
  readonly name: string;
  /** Written one macrotask apart (separate TCP segments), as latin1. */
  readonly chunks: readonly string[];
  /** The statuses every server must answer, in order. */
  readonly statuses: readonly number[];
  /** What the app saw for each 200 (seen(): method, path, query, body length). */
  readonly saw?: readonly string[];
  /** The reason every refusal's body must carry. */
  readonly reason?: string;
}

const CASES: readonly Case[] = [
  { name: 'CRLF before the first request line is skipped (RFC 9112 §2.2)', chunks: [`\r\n\r\n${get('/a?x=1')}`], statuses: [200], saw: ['GET /a ??x=1 body=0'] },
  { name: 'bare LF and CR before the first request line are skipped, as llhttp skips them (RFC 9112 §2.2)', chunks: [`\n\r\r${get('/a')}`], statuses: [200], saw: ['GET /a ? body=0'] },
  { name: 'CR and LF before a pipelined second request line are skipped (RFC 9112 §2.2)', chunks: [`${get('/a')}\r\n\n${get('/b?c')}`], statuses: [200, 200], saw: ['GET /a ? body=0', 'GET /b ??c body=0'] },
  { name: 'CRLF before a second request, in packets of their own (RFC 9112 §2.2)', chunks: [get('/a'), '\r\n', '\r\n', get('/b')], statuses: [200, 200], saw: ['GET /a ? body=0', 'GET /b ? body=0'] },
  { name: 'an endless stream of CRLF counts against --limit-request-head: 431 (RFC 9112 §2.2 bounded)', chunks: pieces('\r\n'.repeat(20_000), 4000), statuses: [431], reason: 'request head too large' },
  // 120 kB: past the limit even when node:http's first read (up to 64 kB) holds the request and uncounted CRLFs behind it.
  { name: 'an endless stream of CRLF after a request: 431 (RFC 9112 §2.2 bounded)', chunks: [get('/a'), ...pieces('\r\n'.repeat(60_000), 4000)], statuses: [200, 431], saw: ['GET /a ? body=0'], reason: 'request head too large' },
  { name: 'runs of SP between the request-line parts are taken (RFC 9112 §3)', chunks: ['GET  /a?x=1   HTTP/1.1\r\nHost: h\r\n\r\n'], statuses: [200], saw: ['GET /a ??x=1 body=0'] },
  { name: 'runs of SP in a pipelined second request line (RFC 9112 §3)', chunks: [`${get('/a')}GET   /b  HTTP/1.1\r\nHost: h\r\n\r\n`], statuses: [200, 200], saw: ['GET /a ? body=0', 'GET /b ? body=0'] },
  { name: 'a tab between request-line parts is refused (RFC 9112 §3: SP only)', chunks: ['GET\t/a HTTP/1.1\r\nHost: h\r\n\r\n'], statuses: [400] },
  { name: 'SP then a tab before the target is refused (RFC 9112 §3)', chunks: ['GET \t/a HTTP/1.1\r\nHost: h\r\n\r\n'], statuses: [400] },
  { name: 'SP before the method is refused (RFC 9112 §3)', chunks: [` ${get('/a')}`], statuses: [400] },
  { name: 'SP after the version is refused (RFC 9112 §3)', chunks: ['GET /a HTTP/1.1 \r\nHost: h\r\n\r\n'], statuses: [400] },
  { name: 'a non-ASCII target, first request over several packets, is served (RFC 9112 §3.2, Gunicorn vector 027)', chunks: ['GET /\xe9', 't\xe9?q=\xe0 HTTP/1.1\r\nHo', 'st: h\r\n\r\n'], statuses: [200], saw: ['GET /%E9t%E9 ??q=%E0 body=0'] },
  { name: 'a non-ASCII target pipelined after a small request is served (RFC 9112 §3.2)', chunks: [`${get('/a')}${get('/b\xaf?c=d')}`], statuses: [200, 200], saw: ['GET /a ? body=0', 'GET /b%AF ??c=d body=0'] },
  { name: 'a non-ASCII target pipelined after a small request, split mid-head, is served (RFC 9112 §3.2)', chunks: [`${get('/a')}GET /b`, '\xb8c HTTP/1.1\r\nHost: h\r\n\r\n'], statuses: [200, 200], saw: ['GET /a ? body=0', 'GET /b%B8c ? body=0'] },
  {
    name: 'a non-ASCII target pipelined after a 100 kB body is served (RFC 9112 §3.2)',
    chunks: [...pieces(`POST /big HTTP/1.1\r\nHost: h\r\nContent-Length: ${big.length}\r\n\r\n${big}`, 16_384).map((p, i, all) => (i === all.length - 1 ? `${p}${get('/n\xe9')}` : p))],
    statuses: [200, 200],
    saw: [`POST /big ? body=${big.length}`, 'GET /n%E9 ? body=0'],
  },
  {
    name: 'a non-ASCII target pipelined after a chunked body is served (RFC 9112 §3.2)',
    chunks: ['POST /c HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhel', `lo\r\n0\r\n\r\n${get('/\xff')}`],
    statuses: [200, 200],
    saw: ['POST /c ? body=5', 'GET /%FF ? body=0'],
  },
  {
    name: 'Transfer-Encoding: chunked then a tab is refused at once, the app not called (RFC 9112 §6.1; §5.1 would trim the tab, llhttp cannot frame it)',
    chunks: ['POST /t HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\t\r\n\r\n5\r\nhello\r\n0\r\n\r\n'],
    statuses: [400],
    reason: 'invalid Transfer-Encoding',
  },
  {
    name: 'Transfer-Encoding: chunked then a tab, pipelined and over several packets (RFC 9112 §6.1)',
    chunks: [get('/a'), 'POST /t HTTP/1.1\r\nHost: h\r\nTransfer-Enc', 'oding: chunked\t\r\n\r\n0\r\n\r\n'],
    statuses: [200, 400],
    saw: ['GET /a ? body=0'],
    reason: 'invalid Transfer-Encoding',
  },
  {
    name: 'a broken chunk size has the same readable reason on both parsers (RFC 9112 §7.1)',
    chunks: ['POST /t HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n'],
    statuses: [400],
    reason: 'invalid chunk size',
  },
];

interface Answer {
  readonly statuses: number[];
  readonly saw: string[];
  readonly reasons: string[];
}

describe('request-line rules: one answer from node-style and fetch-style apps on --http-parser strict, native and auto', () => {
  const servers = new Map<string, Server>();
  const answers = new Map<string, Answer[]>();

  before(async () => {
    for (const parser of PARSERS) {
      for (const kind of KINDS) servers.set(`${kind}/${parser}`, await startServer([APPS[kind], '-w', '1', '--http-parser', parser]));
    }
    await Promise.all([...servers].map(async ([key, server]) => {
      const list: Answer[] = [];
      for (const c of CASES) {
        const out = await exchangeOver(server.port, c.chunks.map((s) => Buffer.from(s, 'latin1')), { halfClose: true, deadlineMs: 8000 });
        const got = responses(out.data).list;
        list.push({
          statuses: got.map((r) => r.status),
          saw: got.filter((r) => r.status === 200).map((r) => seen(key.startsWith('node') ? 'node' : 'fetch', r.body)),
          reasons: got.filter((r) => r.status >= 400).map((r) => r.body.toString('latin1').trim()),
        });
      }
      answers.set(key, list);
    }));
  });
  after(async () => {
    await Promise.all([...servers.values()].map((s) => s.stop()));
  });

  for (const [i, c] of CASES.entries()) {
    test(c.name, () => {
      for (const [key, list] of answers) {
        const a = list[i]!;
        assert.deepEqual(a.statuses, c.statuses, `${key}: statuses`);
        if (c.saw) assert.deepEqual(a.saw, c.saw, `${key}: what the app saw`);
        if (c.reason) for (const r of a.reasons) assert.match(r, new RegExp(`: ${c.reason}$`), `${key}: reason`);
      }
      // Refusals read alike on every server: one reason, whichever parser gave it.
      const reasons = new Set([...answers.values()].map((list) => list[i]!.reasons.join(' | ')));
      assert.equal(reasons.size, 1, `reasons differ: ${[...reasons].join(' // ')}`);
    });
  }
});
