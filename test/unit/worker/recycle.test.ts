import { test } from 'node:test';
import assert from 'node:assert/strict';
import { RecyclePolicy } from '../../../src/worker/recycle.js';

const off = { maxRequests: 0, maxRequestsJitter: 0, maxWorkerMemory: 0, maxWorkerLifetime: 0 };

test('max-requests with jitter draws a limit in [max, max + jitter] and asks once', () => {
  for (let i = 0; i < 50; i++) {
    const p = new RecyclePolicy({ ...off, maxRequests: 10, maxRequestsJitter: 5 }, () => {});
    assert.ok(p.maxRequests >= 10 && p.maxRequests <= 15, String(p.maxRequests));
  }
  const reasons: string[] = [];
  const p = new RecyclePolicy({ ...off, maxRequests: 3 }, (kind, r) => reasons.push(`${kind}: ${r}`));
  for (let served = 1; served <= 6; served++) p.requestDone(served);
  assert.deepEqual(reasons, ['max-requests: served 3 requests (max 3)']);
});

test('memory is checked between requests; 0 turns every limit off', () => {
  const reasons: string[] = [];
  new RecyclePolicy({ ...off, maxWorkerMemory: 1 }, (kind, r) => reasons.push(`${kind}: ${r}`)).requestDone(1);
  assert.match(reasons[0] ?? '', /^memory: uses \d+ MiB of memory \(max 1 MiB\)/);
  const none: string[] = [];
  const p = new RecyclePolicy(off, (r) => none.push(r));
  for (let served = 1; served < 1000; served++) p.requestDone(served);
  assert.deepEqual(none, []);
  assert.equal(p.maxRequests, 0);
});
