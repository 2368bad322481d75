// Module customization hooks for --reload, registered by module-graph.ts with
// node:module's register(). They run on Node's hooks thread of a worker and
// post every file: URL the worker loads back to the worker's main thread.

import type { MessagePort } from 'node:worker_threads';

interface InitData {
  readonly port: MessagePort;
}

type Next = (url: string, context: unknown) => unknown;

// Node's hooks API hands state to `initialize` and calls `load` as a plain
// function, so the port lives at module level (one per hooks thread).
let port: MessagePort | null = null;

export function initialize(data: InitData): void {
  port = data.port;
  // A flush request: messages on one port arrive in order, so the reply tells
  // the main thread that every URL posted before it has been delivered.
  port.on('message', (m: { flush?: number }) => {
    if (typeof m.flush === 'number') port?.postMessage({ flushed: m.flush });
  });
  port.unref();
}

export function load(url: string, context: unknown, next: Next): unknown {
  // Posted before loading, so a file that fails to compile is watched too.
  if (url.startsWith('file:') && !url.includes('/node_modules/')) port?.postMessage({ url });
  return next(url, context);
}
