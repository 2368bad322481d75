import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Replies } from '../../../src/ipc/replies.js';

test('an answer settles its own request; a late or unknown answer is ignored', async () => {
  const replies = new Replies<string>();
  const sent: number[] = [];
  const a = replies.ask((id) => sent.push(id), 5_000);
  const b = replies.ask((id) => sent.push(id), 5_000);
  replies.settle(sent[1]!, 'second');
  replies.settle(sent[0]!, 'first');
  replies.settle(999, 'nobody asked');
  assert.deepEqual(await Promise.all([a, b]), ['first', 'second']);
});

test('no answer by the deadline gives null, and so does cancelAll', async () => {
  const replies = new Replies<string>();
  assert.equal(await replies.ask(() => {}, 10), null);
  const pending = replies.ask(() => {}, 5_000);
  replies.cancelAll();
  assert.equal(await pending, null);
});
