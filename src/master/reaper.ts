// Finds and kills the workers that will not go on their own: a blocked event
// loop silences the heartbeat past --timeout, and a draining worker can ignore
// TERM past its graceful deadline. Called by the arbiter on every tick; master only.

import type { WatchdogReport, WatchdogRequest } from '../ipc/messages.js';
import type { Logger } from '../log/logger.js';
import { timeoutMessage } from './stack-report.js';

/** What the reaper needs of a WorkerHandle (a narrow view, so tests can fake it). */
export interface Reapable {
  readonly pid: number;
  readonly killed: boolean;
  /** Set while its stack is collected, so the next ticks do not ask again. */
  timingOut: boolean;
  readonly killAt: number | null;
  readonly watchdog: { capture(reason: WatchdogRequest['reason'], timeoutMs: number): Promise<WatchdogReport | null> };
  silentFor(now: number): number;
  kill(reason: 'timeout' | 'overdue'): void;
}

/** How long a timed-out worker's watchdog has to send its stack (the kill comes within timeout + 1 s). */
export const STACK_DEADLINE_MS = 700;

/** Workers whose heartbeat has been silent longer than `timeout` seconds (0 turns the check off). */
export function stuckWorkers<W extends Reapable>(workers: Iterable<W>, timeout: number, now: number): { worker: W; silentMs: number }[] {
  const limit = timeout * 1000;
  if (limit <= 0) return [];
  const stuck: { worker: W; silentMs: number }[] = [];
  for (const worker of workers) {
    if (worker.killed || worker.timingOut) continue;
    const silentMs = worker.silentFor(now);
    if (silentMs > limit) stuck.push({ worker, silentMs });
  }
  return stuck;
}

/** Retiring workers still alive at their kill deadline. */
export function overdueWorkers<W extends Reapable>(workers: Iterable<W>, now: number): W[] {
  return [...workers].filter((w) => !w.killed && w.killAt !== null && now >= w.killAt);
}

/**
 * Each stuck worker is asked where it is stuck, that is logged, then it is
 * killed. Marks them synchronously; the promise (for tests) settles once all are killed.
 */
export function killStuckWorkers(workers: Iterable<Reapable>, timeout: number, logger: Pick<Logger, 'critical'>, now = Date.now()): Promise<void> {
  const reports = stuckWorkers(workers, timeout, now).map(({ worker, silentMs }) => reportAndKill(worker, silentMs, timeout, logger));
  return Promise.all(reports).then(() => {});
}

async function reportAndKill(worker: Reapable, silentMs: number, timeout: number, logger: Pick<Logger, 'critical'>): Promise<void> {
  worker.timingOut = true;
  const report = await worker.watchdog.capture('timeout', STACK_DEADLINE_MS);
  logger.critical(timeoutMessage(worker.pid, silentMs, timeout, report));
  worker.kill('timeout');
}

export function killOverdueWorkers(workers: Iterable<Reapable>, logger: Pick<Logger, 'warning'>, now = Date.now()): void {
  for (const worker of overdueWorkers(workers, now)) {
    logger.warning(`Worker (pid:${worker.pid}) did not stop within the graceful timeout; killing it`);
    worker.kill('overdue');
  }
}
