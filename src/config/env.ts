// The only reader of process.env in Narwhal. Everything else is handed what it
// needs from here, so tests can pass their own environment.

import type { EnvDefaults } from './settings.js';

export interface EnvView extends EnvDefaults {
  readonly NARWHAL_CMD_ARGS?: string | undefined;
}

export function readEnv(env: NodeJS.ProcessEnv = process.env): EnvView {
  return {
    NARWHAL_CMD_ARGS: env['NARWHAL_CMD_ARGS'],
    PORT: env['PORT'] || undefined,
    WEB_CONCURRENCY: env['WEB_CONCURRENCY'] || undefined,
    FORWARDED_ALLOW_IPS: env['FORWARDED_ALLOW_IPS'] || undefined,
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
