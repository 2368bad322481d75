// A module-hooks module registered beside tsx's (by typescript.ts): on the
// loading process's word it stops the esbuild service tsx started in Node's
// hooks thread, once no module load is in flight. Runs in that hooks thread.

import type { MessagePort } from 'node:worker_threads';

interface Data {
  readonly port: MessagePort;
  /** The file URL of the esbuild module tsx's hooks use (the same instance, from the same path). */
  readonly esbuild: string;
}

type Next = (url: string, context: unknown) => Promise<unknown>;

let inFlight = 0;
let wanted = false;
let esbuildUrl = '';

/** esbuild's service is a child process for the life of the process; a later transform starts a new one. */
async function stopWhenIdle(): Promise<void> {
  if (!wanted || inFlight > 0) return;
  wanted = false;
  try {
    const esbuild = (await import(esbuildUrl)) as { default?: { stop?: () => unknown } };
    await esbuild.default?.stop?.();
  } catch {
    // No esbuild here (never loaded): nothing to stop.
  }
}

export function initialize(data: Data): void {
  esbuildUrl = data.esbuild;
  data.port.on('message', () => {
    wanted = true;
    void stopWhenIdle();
  });
  data.port.unref();
}

/** Counts loads, so the service is not stopped under a transform. */
export async function load(url: string, context: unknown, next: Next): Promise<unknown> {
  inFlight++;
  try {
    return await next(url, context);
  } finally {
    inFlight--;
    void stopWhenIdle();
  }
}
