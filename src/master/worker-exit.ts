// Says what a worker's exit means to the master: the line to log, and, for a
// worker that died before it was ready, whether to halt a fresh start (with
// which exit code), roll a reload back, or retry after a backoff. Pure; called
// by the arbiter in the master.

import { EXIT_CODES } from '../errors.js';
import type { Level } from '../log/logger.js';
import type { BootFailure, WorkerHandle } from './worker-handle.js';

export type ExitedWorker = Pick<WorkerHandle, 'pid' | 'state' | 'killedFor' | 'bootFailure'>;

/** How a fresh start ends when its first workers cannot boot. */
const HALT_FOR = {
  'app-load': [EXIT_CODES.APP_LOAD, 'App failed to load.'],
  bind: [EXIT_CODES.BIND, 'Could not listen.'],
  boot: [EXIT_CODES.WORKER_BOOT, 'Worker failed to boot.'],
} as const;
const MAX_BACKOFF_MS = 10_000;

export function describeExit(code: number | null, signal: NodeJS.Signals | null): string {
  return signal ? `was killed by ${signal}` : `exited with code ${code}`;
}

/** The line for a worker that was ready or retiring; null when the master killed it and has said why already. */
export function exitLine(worker: ExitedWorker, how: string, signal: NodeJS.Signals | null): { level: Level; message: string } | null {
  if (worker.state === 'retiring') return { level: 'debug', message: `Worker ${worker.pid} retired (${how})` };
  if (worker.killedFor !== null) return null;
  // Nobody here sent that KILL: the kernel's out-of-memory killer is the usual sender.
  if (signal === 'SIGKILL') return { level: 'error', message: `Worker (pid:${worker.pid}) was killed by SIGKILL, perhaps by the out-of-memory killer` };
  return { level: 'error', message: `Worker (pid:${worker.pid}) ${how}` };
}

export type BootVerdict =
  /** Killed by a rollback: expected, nothing to report. */
  | { readonly action: 'expected' }
  | { readonly action: 'halt'; readonly message: string; readonly code: number; readonly reason: string }
  | { readonly action: 'rollback'; readonly message: string }
  | { readonly action: 'retry'; readonly message: string; readonly delayMs: number; readonly warning: string };

export interface BootContext {
  /** --timeout, in seconds, for the message of a worker killed while importing the app. */
  readonly timeout: number;
  /** Whether any worker of this master was ever ready: if none was, the start has failed. */
  readonly everReady: boolean;
  /** Whether the worker belongs to the generation a reload in progress is starting. */
  readonly newGeneration: boolean;
  /** Boot failures since a worker was last ready, this one excluded. */
  readonly failures: number;
}

/** A worker that exited before it was ready: what to log and what to do. */
export function judgeBootFailure(worker: ExitedWorker, how: string, ctx: BootContext): BootVerdict {
  if (worker.killedFor === 'rollback') return { action: 'expected' };
  const why = worker.killedFor === 'timeout' ? `was killed after --timeout ${ctx.timeout} s without a heartbeat (blocked while importing the app?)` : how;
  const failure: BootFailure = worker.bootFailure ?? { reason: 'boot', message: `worker ${worker.pid} ${why} before it was ready` };
  const message = failure.detail ? `${failure.message}\n${failure.detail}` : failure.message;
  if (!ctx.everReady) {
    const [code, reason] = HALT_FOR[failure.reason];
    return { action: 'halt', message, code, reason };
  }
  if (ctx.newGeneration) return { action: 'rollback', message };
  const delayMs = backoffMs(ctx.failures + 1);
  return { action: 'retry', message, delayMs, warning: `A new worker could not boot; trying again in ${(delayMs / 1000).toFixed(2)} s while the others serve` };
}

/** 250 ms after the first failure, doubling up to 10 s: a broken deploy does not spin the CPU. */
export function backoffMs(failures: number): number {
  return Math.min(MAX_BACKOFF_MS, 250 * 2 ** (failures - 1));
}
