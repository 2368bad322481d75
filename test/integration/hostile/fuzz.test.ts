// A fuzzer against real workers of both contracts: mutated requests (byte
// flips, inserted CR/LF/NUL/space/colon, truncations, repeated lines, random
// TCP splits) from a fixed seed on every run; NARWHAL_FUZZ_SEED and
// NARWHAL_FUZZ_COUNT for a longer local run (the seed is printed).

import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { BODY_TIMEOUT, HEADER_TIMEOUT, KEEP_ALIVE, random, responses, seen, exchangeOver, startEcho, type Outcome, type Server } from './harness.js';

const SEED = Number(process.env.NARWHAL_FUZZ_SEED ?? 0x5eed1);
const COUNT = Number(process.env.NARWHAL_FUZZ_COUNT ?? 3000);
const CONCURRENCY = 24;
/** One case in this many keeps its side open, to see the server close it by itself. */
const KEEP_OPEN_EVERY = 25;
/** The longest a server may keep a connection that sends nothing more: its slowest timer, plus scheduling slack on a busy machine. */
const CLOSE_WITHIN_MS = Math.max(HEADER_TIMEOUT, KEEP_ALIVE, BODY_TIMEOUT) * 1000 + 2500;

const BASES = [
  'GET /path/a?x=1&y=two HTTP/1.1\r\nHost: example.test\r\nUser-Agent: fuzz\r\nAccept: */*\r\n\r\n',
  'POST /submit?q= HTTP/1.1\r\nHost: example.test\r\nContent-Length: 11\r\nContent-Type: text/plain\r\n\r\nhello world',
  'POST /chunked HTTP/1.1\r\nHost: example.test\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n6\r\n world\r\n0\r\n\r\n',
  'GET / HTTP/1.0\r\n\r\n',
  'PUT /x%20y/z HTTP/1.1\r\nHost: example.test:8080\r\nContent-Length: 3\r\nConnection: keep-alive\r\n\r\nabc',
  'GET /a HTTP/1.1\r\nHost: h\r\n\r\nGET /b?c=d HTTP/1.1\r\nHost: h\r\n\r\n',
  'DELETE /items/7?force HTTP/1.1\r\nHost: h\r\nX-Long: ' + 'v'.repeat(200) + '\r\n\r\n',
].map((s) => Buffer.from(s, 'latin1'));
const INSERTS = ['\r', '\n', '\0', ' ', ':', '\r\n', '\t', '\r\n\r\n'].map((s) => Buffer.from(s, 'latin1'));

interface Case {
  readonly n: number;
  readonly bytes: Buffer;
  readonly chunks: readonly Buffer[];
  readonly halfClose: boolean;
}

function mutate(rand: () => number, input: Buffer): Buffer {
  let b = input;
  const at = () => Math.floor(rand() * (b.length + 1));
  for (let k = 1 + Math.floor(rand() * 3); k > 0; k--) {
    const i = at();
    switch (Math.floor(rand() * 6)) {
      case 0: {
        if (b.length === 0) break;
        const j = Math.min(i, b.length - 1);
        b = Buffer.from(b);
        b[j] = b[j]! ^ (1 + Math.floor(rand() * 255));
        break;
      }
      case 1:
        b = Buffer.concat([b.subarray(0, i), INSERTS[Math.floor(rand() * INSERTS.length)]!, b.subarray(i)]);
        break;
      case 2:
        b = b.subarray(0, i);
        break;
      case 3: {
        const lines = b.toString('latin1').split('\r\n');
        const l = Math.floor(rand() * lines.length);
        lines.splice(l, 0, lines[l]!);
        b = Buffer.from(lines.join('\r\n'), 'latin1');
        break;
      }
      case 4:
        b = Buffer.concat([b.subarray(0, i), b.subarray(Math.min(b.length, i + 1 + Math.floor(rand() * 4)))]);
        break;
      default:
        // Left whole: the split below is the only mutation.
        break;
    }
  }
  return b;
}

function makeCase(rand: () => number, n: number): Case {
  const bytes = mutate(rand, BASES[Math.floor(rand() * BASES.length)]!);
  const chunks: Buffer[] = [];
  for (let i = 0; i < bytes.length; ) {
    const len = rand() < 0.5 ? bytes.length - i : 1 + Math.floor(rand() * 12);
    chunks.push(bytes.subarray(i, i + len));
    i += len;
  }
  return { n, bytes, chunks: chunks.length ? chunks : [Buffer.alloc(0)], halfClose: n % KEEP_OPEN_EVERY !== 0 };
}

async function runAll(server: Server, cases: readonly Case[]): Promise<Outcome[]> {
  const out: Outcome[] = new Array(cases.length);
  let next = 0;
  const lane = async () => {
    while (next < cases.length) {
      const c = cases[next++]!;
      out[c.n] = await exchangeOver(server.port, c.chunks, { halfClose: c.halfClose, deadlineMs: CLOSE_WITHIN_MS + 2000 });
    }
  };
  await Promise.all(Array.from({ length: CONCURRENCY }, lane));
  return out;
}

/** The request heads in the bytes (pipelined ones too), as latin1 text. */
function heads(bytes: Buffer): string[] {
  return bytes.toString('latin1').split('\r\n\r\n').filter((h) => /^[A-Za-z]+ /.test(h));
}

/**
 * Why a case depends on an HTTP-layer item of issue 13 (the engine rework),
 * or null: a Host RFC 9112 section 3.2 says to refuse (each head must have
 * exactly one plain reg-name or IPv4, optional port; none needed on HTTP/1.0),
 * non-ASCII bytes in a head, a transfer coding, or a body cut short by EOF.
 */
export function engineItem(bytes: Buffer): string | null {
  for (const head of heads(bytes)) {
    const hosts = [...`\r\n${head}`.matchAll(/\r\nhost[^\r\n]*/gi)].map((m) => m[0].slice(2));
    const ok = hosts.length === 0 ? / HTTP\/1\.0(\r\n|$)/.test(head.split('\r\n')[0]!) : hosts.length === 1 && /^host:[ \t]*[A-Za-z0-9.-]+(:\d{1,5})?[ \t]*$/i.test(hosts[0]!);
    if (!ok) return 'host';
    if (/[^\x00-\x7f]/.test(head)) return 'non-ascii';
    if (/transfer-encoding/i.test(head)) return 'transfer-coding';
  }
  const text = bytes.toString('latin1');
  const end = text.lastIndexOf('\r\n\r\n');
  const cl = /\r\ncontent-length:[ \t]*(\d+)/i.exec(end < 0 ? text : text.slice(0, end));
  if (end >= 0 && cl && text.length - end - 4 < Number(cl[1])) return 'short-body';
  return null;
}

const show = (c: Case) => `[${engineItem(c.bytes) ?? 'plain'}] ${JSON.stringify(c.bytes.toString('latin1').replace(/v{20,}/, (v) => `v{${v.length}}`))}`;

describe(`fuzz: ${COUNT} mutated requests, seed ${SEED} (NARWHAL_FUZZ_SEED=${SEED} NARWHAL_FUZZ_COUNT=${COUNT} to repeat)`, () => {
  const servers: Partial<Record<'fetch' | 'node', Server>> = {};
  const pids: Record<string, number[]> = {};
  const results: Partial<Record<'fetch' | 'node', Outcome[]>> = {};
  const rand = random(SEED);
  const cases = Array.from({ length: COUNT }, (_, n) => makeCase(rand, n));

  before(async () => {
    console.log(`# fuzz seed ${SEED}, ${COUNT} cases`);
    [servers.fetch, servers.node] = await Promise.all([startEcho('fetch'), startEcho('node')]);
    for (const k of ['fetch', 'node'] as const) pids[k] = servers[k]!.readyPids();
    const started = Date.now();
    [results.fetch, results.node] = await Promise.all([runAll(servers.fetch, cases), runAll(servers.node, cases)]);
    console.log(`# fuzz: ${COUNT} cases on each contract in ${Date.now() - started} ms`);
  });
  after(async () => {
    await Promise.all(Object.values(servers).map((s) => s.stop()));
  });

  const fivexx = (pick: (c: Case) => boolean) => () => {
    const bad: string[] = [];
    for (const k of ['fetch', 'node'] as const) {
      for (const c of cases.filter(pick)) {
        // 501 and 505 are what the RFC names for a transfer coding or a version not supported.
        const five = responses(results[k]![c.n]!.data).list.filter((r) => r.status >= 500 && r.status !== 501 && r.status !== 505);
        if (five.length) bad.push(`${k}: case ${c.n} ${show(c)} got ${five.map((r) => `${r.status} ${r.body.toString('latin1').slice(0, 80)}`)}`);
      }
    }
    assert.equal(bad.length, 0, `${bad.length} cases answered 5xx:\n${bad.slice(0, 8).join('\n')}`);
  };
  test('no 5xx on either contract (requests no issue-13 HTTP item touches)', fivexx((c) => engineItem(c.bytes) === null));
  test('no 5xx on either contract (invalid Host, non-ASCII head, transfer coding, short body)', fivexx((c) => engineItem(c.bytes) !== null));

  test('every connection is closed by the server within its timeouts', () => {
    for (const k of ['fetch', 'node'] as const) {
      for (const c of cases) {
        const o = results[k]![c.n]!;
        assert.ok(o.closed && o.ms <= CLOSE_WITHIN_MS, `${k}: case ${c.n} ${show(c)} ${o.closed ? `closed after ${o.ms} ms` : 'still open'} (limit ${CLOSE_WITHIN_MS} ms)`);
      }
    }
  });

  test('every answer is a whole HTTP response', () => {
    for (const k of ['fetch', 'node'] as const) {
      for (const c of cases) assert.ok(responses(results[k]![c.n]!.data).complete, `${k}: case ${c.n} ${show(c)}: ${JSON.stringify(results[k]![c.n]!.data.toString('latin1').slice(0, 200))}`);
    }
  });

  test('no worker crashed: the same worker pids, no uncaught exception', () => {
    for (const k of ['fetch', 'node'] as const) {
      assert.deepEqual(servers[k]!.readyPids(), pids[k], `${k}: workers replaced`);
      assert.equal(servers[k]!.count(/Uncaught exception|Unhandled promise rejection/), 0, servers[k]!.output.slice(-2000));
    }
  });

  const agree = (pick: (c: Case) => boolean, atLeast: number) => () => {
    const bad: string[] = [];
    let compared = 0;
    for (const c of cases.filter(pick)) {
      const f = responses(results.fetch![c.n]!.data).list;
      const n = responses(results.node![c.n]!.data).list;
      // A refusal's answer can race the client's own half-close: a 400 and a silent close are the same verdict.
      const verdicts = (l: typeof f) => {
        const v = l.map((r) => (r.status < 400 ? 'accepted' : 'refused'));
        while (v.at(-1) === 'refused') v.pop();
        return v.join(',');
      };
      if (verdicts(f) !== verdicts(n)) {
        bad.push(`case ${c.n} ${show(c)}: fetch ${f.map((r) => r.status)} node ${n.map((r) => r.status)}`);
        continue;
      }
      for (const [i, r] of f.entries()) {
        if (r.status !== 200 || n[i]?.status !== 200) continue;
        const [a, b] = [seen('fetch', r.body), seen('node', n[i].body)];
        if (a !== b) bad.push(`case ${c.n} ${show(c)}: fetch saw ${a}, node saw ${b}`);
        compared++;
      }
    }
    assert.equal(bad.length, 0, `${bad.length} disagreements:\n${bad.slice(0, 8).join('\n')}`);
    assert.ok(compared >= atLeast, `only ${compared} accepted requests compared`);
  };
  test('node-style and fetch-style apps agree on every accepted request (method, path, query, body length), requests no issue-13 HTTP item touches', agree((c) => engineItem(c.bytes) === null, COUNT / 20));
  test('node-style and fetch-style apps agree on requests with an invalid Host, non-ASCII head, transfer coding or short body', agree((c) => engineItem(c.bytes) !== null, 0));
});
