// The only reader of process.env in Narwhal. Everything else is handed what it
// needs from here, so tests can pass their own environment.

import type { EnvDefaults } from './settings.js';

export interface EnvView extends EnvDefaults {
  readonly NARWHAL_CMD_ARGS?: string | undefined;
  /** Read for the dev server's warning about NODE_ENV=production. */
  readonly NODE_ENV?: string | undefined;
}

export function readEnv(env: NodeJS.ProcessEnv = process.env): EnvView {
  return {
    NARWHAL_CMD_ARGS: env['NARWHAL_CMD_ARGS'],
    PORT: env['PORT'] || undefined,
    WEB_CONCURRENCY: env['WEB_CONCURRENCY'] || undefined,
    NODE_ENV: env['NODE_ENV'] || undefined,
  };
}

/** The environment a worker starts with: the master's, plus `-e` values. */
export function workerEnv(extra: Readonly<Record<string, string>>): NodeJS.ProcessEnv {
  return { ...process.env, ...extra };
}

/** Applies `-e` values to this process (the master, for --preload and --check-config). */
export function applyEnv(extra: Readonly<Record<string, string>>): void {
  Object.assign(process.env, extra);
}

/** A variable for the access log's `{name}e` atom. */
export function envVar(name: string): string | undefined {
  return process.env[name];
}

/** A copy of this process's environment, for the dev error page (which masks secrets itself). */
export function environmentSnapshot(): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(process.env)) if (v !== undefined) out[k] = v;
  return out;
}
