// Stuck workers: a handler that blocks the event loop is detected within
// --timeout (+1 s), reported with its request and its TypeScript stack, killed
// and replaced; a handler awaiting slow I/O is left alone.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import { FIXTURES, startServer, waitFor } from '../helpers/narwhal.js';
import { request } from '../helpers/http.js';

const STUCK = path.join(FIXTURES, 'stuck.ts');
const STUCK_FIRST = path.join(FIXTURES, 'stuck-first.mjs');

test('a blocked worker is reported with its request and TypeScript stack, killed and replaced', async () => {
  const server = await startServer([STUCK, '--timeout', '1'], { workers: 1 });
  try {
    const pid = server.readyPids()[0]!;
    const slow = await request(`${server.url}/slow?ms=2200`);
    assert.equal(slow.body, 'slow but fine', 'awaiting I/O for longer than --timeout is not stuck');
    assert.doesNotMatch(server.output, /WORKER TIMEOUT/);

    const sentAt = Date.now();
    const spun = request(`${server.url}/spin`).then(() => 'answered', (e: Error) => e.message);
    const m = await server.waitForLog(/WORKER TIMEOUT \(pid:(\d+)\)[^\n]*\n((?: {2}[^\n]*\n)+)/, 10_000);
    const detectedAfter = Date.now() - sentAt;
    assert.equal(Number(m[1]), pid);
    assert.ok(detectedAfter <= 2_000, `reported ${detectedAfter} ms after the request (timeout 1 s)`);
    const body = m[2]!;
    assert.match(body, /while serving GET \/spin \(running for \d+\.\d s\)/);
    assert.match(body, /JavaScript stack:/);
    // The frame of the loop, at the TypeScript line of `while` (line 10 of stuck.ts).
    assert.match(body, new RegExp(`at spin \\(${STUCK.replace(/[.]/g, '\\.')}:10:\\d+\\)`));
    assert.match(body, /at fetch \(.*stuck\.ts:19:\d+\)/);
    assert.match(await spun, /socket hang up|ECONNRESET/);
    await waitFor('a replacement worker', () => server.readyPids().length >= 2);
    const after = await request(server.url);
    assert.notEqual(Number(after.body), pid);
  } finally {
    await server.stop();
  }
});

test('a worker stuck on its very first request still reports its stack', async () => {
  // The watchdog thread must be up before the first request, not started once the worker has served one.
  const server = await startServer([STUCK_FIRST, '--timeout', '1'], { workers: 1 });
  try {
    const pid = server.readyPids()[0]!;
    const spun = request(`${server.url}/first`).then(() => 'answered', (e: Error) => e.message);
    const m = await server.waitForLog(/WORKER TIMEOUT \(pid:(\d+)\)[^\n]*\n((?: {2}[^\n]*\n)+)/, 10_000);
    assert.equal(Number(m[1]), pid);
    const body = m[2]!;
    assert.match(body, /while serving GET \/first \(running for \d+\.\d s\)/);
    // The loop's frame, at the line of `while` (line 7 of stuck-first.mjs).
    assert.match(body, new RegExp(`at spin \\(${STUCK_FIRST.replace(/[.]/g, '\\.')}:7:\\d+\\)`));
    assert.match(await spun, /socket hang up|ECONNRESET/);
  } finally {
    await server.stop();
  }
});

test('--no-watchdog: a blocked worker is still killed at --timeout and replaced, its log line says no stack', async () => {
  const server = await startServer([STUCK, '--timeout', '1', '--no-watchdog'], { workers: 1 });
  try {
    const pid = server.readyPids()[0]!;
    const spun = request(`${server.url}/spin`).then(() => 'answered', (e: Error) => e.message);
    const m = await server.waitForLog(/WORKER TIMEOUT \(pid:(\d+)\)[^\n]*\n((?: {2}[^\n]*\n)+)/, 10_000);
    assert.equal(Number(m[1]), pid);
    assert.match(m[2]!, /--no-watchdog: no stack available/);
    assert.match(await spun, /socket hang up|ECONNRESET/);
    await waitFor('a replacement worker', () => server.readyPids().length >= 2);
    const next = server.readyPids().at(-1)!;
    assert.notEqual(next, pid);
  } finally {
    await server.stop();
  }
});
