import { test } from 'node:test';
import assert from 'node:assert/strict';
import { resolveConfig } from '../../../src/config/resolve.js';

const resolve = (argv: string[]) => resolveConfig({ argv, env: {}, cwd: '/nonexistent-dir-for-tests' });

test('a fixed count is the default; a range is --workers and --max-workers', async () => {
  assert.equal((await resolve([])).config.maxWorkers, 0);
  const { config } = await resolve(['--workers', '2', '--max-workers', '8', '--scale-up-busy', '75', '--scale-down-after', '0.5', '--max-fleet-memory', '512']);
  assert.deepEqual([config.workers, config.maxWorkers, config.scaleUpBusy, config.scaleDownAfter, config.maxFleetMemory], [2, 8, 75, 0.5, 512]);
});

test('a maximum below the minimum, or a threshold past 100%, is a clear configuration error', async () => {
  await assert.rejects(resolve(['--workers', '3', '--max-workers', '2']), /--max-workers 2 is below --workers 3: give at least --workers, or 0 for a fixed count/);
  await assert.rejects(resolve(['--scale-up-busy', '120']), /must be at most 100/);
  await assert.rejects(resolve(['--scale-interval', '0']), /must be at least 0.05/);
});
