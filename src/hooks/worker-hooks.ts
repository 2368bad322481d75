// Loads the hooks that run inside a worker from the config file (functions
// cannot travel over IPC), and strips functions from a config before sending it.

import { loadConfigFile } from '../config/file.js';
import { WORKER_HOOKS } from '../config/settings-hooks.js';
import type { Config } from '../config/settings.js';

export type WorkerHooks = Partial<Pick<Config, (typeof WORKER_HOOKS)[number]>>;

/** The names of the worker-side hooks a config sets. */
export function workerHookNames(config: Config): string[] {
  return WORKER_HOOKS.filter((k) => typeof config[k] === 'function');
}

/** The config without functions, as it can be sent to a worker. */
export function sendableConfig(config: Config): Config {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(config)) out[k] = typeof v === 'function' ? null : v;
  return out as unknown as Config;
}

export async function loadWorkerHooks(configFile: string, names: readonly string[]): Promise<WorkerHooks> {
  const values = await loadConfigFile(configFile);
  const hooks: Record<string, unknown> = {};
  for (const name of names) hooks[name] = (values as Record<string, unknown>)[name];
  return hooks as WorkerHooks;
}
