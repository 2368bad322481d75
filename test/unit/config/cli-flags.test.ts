import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseArgs, splitWords } from '../../../src/config/cli-flags.js';
import { NarwhalError } from '../../../src/errors.js';

test('long, short, attached and = forms; repeatable flags add up', () => {
  const p = parseArgs(['app.ts:x', '-b', ':8000', '--bind=unix:/tmp/s', '-w3', '--timeout', '2.5', '-e', 'A=1', '--env=B=x=y', '--preload', '--no-capture-output']);
  assert.deepEqual(p.positionals, ['app.ts:x']);
  assert.deepEqual(p.values.bind, [':8000', 'unix:/tmp/s']);
  assert.equal(p.values.workers, 3);
  assert.equal(p.values.timeout, 2.5);
  assert.deepEqual(p.values.rawEnv, { A: '1', B: 'x=y' });
  assert.equal(p.values.preloadApp, true);
  assert.equal(p.values.captureOutput, false);
});

test('unknown flags suggest the closest one; errors are usage errors (exit 2)', () => {
  assert.throws(() => parseArgs(['--graceful-timout', '3']), (e: unknown) => e instanceof NarwhalError && e.exitCode === 2 && /did you mean --graceful-timeout\?/.test(e.message));
  assert.throws(() => parseArgs(['--zzzzzzzz']), (e: unknown) => e instanceof NarwhalError && !/did you mean/.test(e.message));
});

test('-- ends the options', () => {
  assert.deepEqual(parseArgs(['--', '--not-a-flag']).positionals, ['--not-a-flag']);
});

test('NARWHAL_CMD_ARGS splits like a shell', () => {
  assert.deepEqual(splitWords(`--workers 2  -e "A=b c" --name='my app' x\\ y`), ['--workers', '2', '-e', 'A=b c', '--name=my app', 'x y']);
  assert.deepEqual(splitWords(''), []);
  assert.throws(() => splitWords('--name "open'), /unterminated/);
});
