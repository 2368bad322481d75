// A worker that stops accepting by itself (an uncaught exception, or past
// --max-worker-memory) says so; the master then counts it as retiring at once,
// so its replacement starts now and --graceful-timeout bounds its drain. Master only.

import type { GoingDownReason } from '../ipc/messages.js';
import type { Logger } from '../log/logger.js';
import type { WorkerHandle } from './worker-handle.js';

/** Marks the worker retiring (the caller then keeps the worker count); false when it was already leaving. */
export function onGoingDown(worker: WorkerHandle, { reason, message }: { reason: GoingDownReason; message: string }, gracefulTimeout: number, logger: Logger): boolean {
  // A worker that fails before it is ready is a boot failure, judged when it exits.
  if (worker.state !== 'ready') return false;
  logger.info(`Worker ${worker.pid} is going down (${message}); starting its replacement`);
  // The worker is draining already; the TERM this sends changes nothing but the deadline is the master's too.
  worker.retire(gracefulTimeout, reason);
  return true;
}
