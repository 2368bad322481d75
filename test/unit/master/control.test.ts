import { test } from 'node:test';
import assert from 'node:assert/strict';
import { controlHandler, type ControlHost } from '../../../src/master/control.js';

function host(target: number): ControlHost & { applied: number[] } {
  const applied: number[] = [];
  return {
    applied,
    workers: () => [],
    target: () => target,
    reload: () => {},
    scale: (n) => (applied.push(n), n),
    stop: () => {},
  };
}

test('scale takes N, +N and -N relative to the current target', async () => {
  const h = host(3);
  const run = controlHandler(h);
  assert.deepEqual(await run({ command: 'scale', args: ['5'] }), { from: 3, to: 5 });
  assert.deepEqual(await run({ command: 'scale', args: ['+2'] }), { from: 3, to: 5 });
  assert.deepEqual(await run({ command: 'scale', args: ['-2'] }), { from: 3, to: 1 });
  assert.deepEqual(h.applied, [5, 5, 1]);
});

test('scale refuses nonsense and fewer than one worker', async () => {
  const run = controlHandler(host(2));
  await assert.rejects(run({ command: 'scale', args: ['many'] }), /scale takes N, \+N or -N/);
  await assert.rejects(run({ command: 'scale', args: ['-2'] }), /at least 1 is needed/);
  await assert.rejects(run({ command: 'scale', args: [] }), /scale takes N/);
});
