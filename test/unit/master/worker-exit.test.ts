import { test } from 'node:test';
import assert from 'node:assert/strict';
import { EXIT_CODES } from '../../../src/errors.js';
import { backoffMs, describeExit, exitLine, judgeBootFailure, type BootContext, type ExitedWorker } from '../../../src/master/worker-exit.js';

const w = (over: Partial<ExitedWorker> = {}): ExitedWorker => ({ pid: 9, state: 'booting', killedFor: null, bootFailure: null, ...over });
const ctx = (over: Partial<BootContext> = {}): BootContext => ({ timeout: 30, everReady: true, newGeneration: false, failures: 0, ...over });

test('an exit is told by its signal, else its code', () => {
  assert.equal(describeExit(1, null), 'exited with code 1');
  assert.equal(describeExit(null, 'SIGSEGV'), 'was killed by SIGSEGV');
});

test('a serving worker that dies is an error; a KILL nobody here sent points at the OOM killer', () => {
  assert.deepEqual(exitLine(w({ state: 'ready' }), 'exited with code 1', null), { level: 'error', message: 'Worker (pid:9) exited with code 1' });
  assert.deepEqual(exitLine(w({ state: 'ready' }), 'was killed by SIGKILL', 'SIGKILL'), {
    level: 'error',
    message: 'Worker (pid:9) was killed by SIGKILL, perhaps by the out-of-memory killer',
  });
});

test('a worker the master killed or retired is not reported as a failure', () => {
  assert.equal(exitLine(w({ state: 'ready', killedFor: 'timeout' }), 'was killed by SIGKILL', 'SIGKILL'), null);
  assert.deepEqual(exitLine(w({ state: 'retiring', killedFor: 'overdue' }), 'was killed by SIGKILL', 'SIGKILL'), { level: 'debug', message: 'Worker 9 retired (was killed by SIGKILL)' });
  assert.deepEqual(exitLine(w({ state: 'retiring' }), 'exited with code 0', null), { level: 'debug', message: 'Worker 9 retired (exited with code 0)' });
});

test('a fresh start halts with the exit code of what failed', () => {
  const halt = (reason: 'app-load' | 'bind' | 'boot') => judgeBootFailure(w({ bootFailure: { reason, message: 'm', detail: 'stack' } }), 'exited with code 1', ctx({ everReady: false }));
  assert.deepEqual(halt('app-load'), { action: 'halt', message: 'm\nstack', code: EXIT_CODES.APP_LOAD, reason: 'App failed to load.' });
  assert.deepEqual(halt('bind'), { action: 'halt', message: 'm\nstack', code: EXIT_CODES.BIND, reason: 'Could not listen.' });
  const silent = judgeBootFailure(w(), 'was killed by SIGSEGV', ctx({ everReady: false }));
  assert.deepEqual(silent, { action: 'halt', message: 'worker 9 was killed by SIGSEGV before it was ready', code: EXIT_CODES.WORKER_BOOT, reason: 'Worker failed to boot.' });
});

test('a worker killed for --timeout while booting says so', () => {
  const v = judgeBootFailure(w({ killedFor: 'timeout' }), 'was killed by SIGKILL', ctx({ everReady: false, timeout: 5 }));
  assert.equal(v.action, 'halt');
  assert.match((v as { message: string }).message, /^worker 9 was killed after --timeout 5 s without a heartbeat \(blocked while importing the app\?\) before it was ready$/);
});

test('a new generation that cannot boot is rolled back; a rollback kill is expected', () => {
  assert.equal(judgeBootFailure(w(), 'exited with code 1', ctx({ newGeneration: true })).action, 'rollback');
  assert.deepEqual(judgeBootFailure(w({ killedFor: 'rollback' }), 'was killed by SIGKILL', ctx({ newGeneration: true })), { action: 'expected' });
});

test('a replacement that cannot boot while others serve is retried with a growing, capped backoff', () => {
  const v = judgeBootFailure(w(), 'exited with code 1', ctx({ failures: 2 }));
  assert.deepEqual(v, { action: 'retry', message: 'worker 9 exited with code 1 before it was ready', delayMs: 1000, warning: 'A new worker could not boot; trying again in 1.00 s while the others serve' });
  assert.deepEqual([1, 2, 3, 6, 7, 30].map(backoffMs), [250, 500, 1000, 8000, 10_000, 10_000]);
});
