import { test } from 'node:test';
import assert from 'node:assert/strict';
import { EventQueue } from '../../../src/master/event-queue.js';

test('events are handled one at a time, in order, even when a step awaits', async () => {
  const log: string[] = [];
  let release!: () => void;
  const queue = new EventQueue<string>(async (e) => {
    log.push(`start ${e}`);
    if (e === 'slow') await new Promise<void>((r) => (release = r));
    log.push(`end ${e}`);
  });
  queue.push('slow');
  queue.push('a');
  queue.push('b');
  assert.deepEqual(log, ['start slow'], 'nothing else starts while the first step awaits');
  assert.equal(queue.has((e) => e === 'a'), true);
  release();
  await new Promise((r) => setImmediate(r));
  assert.deepEqual(log, ['start slow', 'end slow', 'start a', 'end a', 'start b', 'end b']);
  assert.equal(queue.has(() => true), false, 'handled events are no longer waiting');
});

test('an event pushed by a step runs after it, and the queue starts again once idle', async () => {
  const log: string[] = [];
  const queue: EventQueue<number> = new EventQueue<number>((n) => {
    log.push(`start ${n}`);
    if (n === 1) queue.push(2);
    log.push(`end ${n}`);
  });
  queue.push(1);
  await new Promise((r) => setImmediate(r));
  queue.push(3);
  await new Promise((r) => setImmediate(r));
  assert.deepEqual(log, ['start 1', 'end 1', 'start 2', 'end 2', 'start 3', 'end 3']);
});
