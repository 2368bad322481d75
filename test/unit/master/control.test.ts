import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { resolveConfig } from '../../../src/config/resolve.js';
import { LogSink, Logger } from '../../../src/log/logger.js';
import { Autoscaler, type ScaleRequest } from '../../../src/master/autoscaler.js';
import { controlHandler, type ControlHost } from '../../../src/master/control.js';

/** A host whose scale goes through a real Autoscaler configured from `argv`, as the arbiter's does. */
async function host(t: { after: (fn: () => void) => void }, argv: string[]): Promise<ControlHost & { requests: ScaleRequest[] }> {
  const dir = mkdtempSync(path.join(tmpdir(), 'control-'));
  const sink = new LogSink(path.join(dir, 'error.log'), 2);
  t.after(() => (sink.close(), rmSync(dir, { recursive: true, force: true })));
  const { config } = await resolveConfig({ argv, env: {}, cwd: dir });
  const scaler = new Autoscaler(new Logger(sink, 'debug'), () => [], () => null);
  let target = scaler.configure(config, config.workers);
  const requests: ScaleRequest[] = [];
  return {
    requests,
    workers: () => [],
    target: () => target,
    scaling: () => scaler.view([], target),
    reload: () => {},
    scale: async (request) => {
      requests.push(request);
      const result = scaler.rescale(request, target);
      target = result.to;
      return result;
    },
    stop: () => {},
  };
}

test('without autoscaling, scale takes N, +N and -N relative to the current target', async (t) => {
  const h = await host(t, ['--workers', '3']);
  const run = controlHandler(h);
  assert.deepEqual(await run({ command: 'scale', args: ['5'] }), { from: 3, to: 5 });
  assert.deepEqual(await run({ command: 'scale', args: ['+2'] }), { from: 5, to: 7 });
  assert.deepEqual(await run({ command: 'scale', args: ['-6'] }), { from: 7, to: 1 });
  await assert.rejects(run({ command: 'scale', args: ['2..4'] }), /a range needs autoscaling: start with --max-workers/);
});

test('with autoscaling, +N/-N move the range, N pins the count, MIN..MAX sets the range', async (t) => {
  const h = await host(t, ['--workers', '2', '--max-workers', '6']);
  const run = controlHandler(h);
  assert.deepEqual(await run({ command: 'scale', args: ['+1'] }), { from: 2, to: 3, min: 3, max: 7 });
  assert.deepEqual(await run({ command: 'scale', args: ['4'] }), { from: 3, to: 4, min: 4, max: 4 });
  assert.deepEqual(await run({ command: 'scale', args: ['1..8'] }), { from: 4, to: 4, min: 1, max: 8 });
  assert.deepEqual(await run({ command: 'scale', args: ['-1'] }), { from: 4, to: 3, min: 1, max: 7 }, 'the minimum stays at least 1');
  const stats = (await run({ command: 'stats', args: [] })) as { master: { scaling: Record<string, unknown> } };
  assert.equal(stats.master.scaling['autoscaling'], true);
  assert.equal(stats.master.scaling['minWorkers'], 1);
  assert.equal(stats.master.scaling['maxWorkers'], 7);
  assert.match(String((stats.master.scaling['lastChange'] as { reason: string }).reason), /range 1\.\.7/);
});

test('scale refuses nonsense and fewer than one worker', async (t) => {
  const run = controlHandler(await host(t, ['--workers', '2']));
  await assert.rejects(run({ command: 'scale', args: ['many'] }), /scale takes N, \+N or -N, or MIN\.\.MAX with --max-workers/);
  await assert.rejects(run({ command: 'scale', args: ['-2'] }), /at least 1 is needed/);
  await assert.rejects(run({ command: 'scale', args: ['0'] }), /at least 1 is needed/);
  await assert.rejects(run({ command: 'scale', args: ['5..2'] }), /1 <= MIN <= MAX/);
  await assert.rejects(run({ command: 'scale', args: [] }), /scale takes N/);
});
