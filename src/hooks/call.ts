// Calls a server hook so that it can never take its process down: a throw or a
// rejection is logged with its stack. Used by the master and by workers.

import type { Logger } from '../log/logger.js';

export async function callHook<A extends unknown[]>(logger: Logger, name: string, fn: ((...args: A) => unknown) | null | undefined, ...args: A): Promise<void> {
  if (!fn) return;
  try {
    await fn(...args);
  } catch (err) {
    logger.exception(`The ${name} hook failed`, err);
  }
}
