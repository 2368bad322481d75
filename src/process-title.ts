// Process titles for `ps`: `narwhal: master [name]`, `narwhal: worker [name]`.
// Each process calls it once about itself.

import type { Config } from './config/settings.js';

/** `-n/--name`, else the app's module name, as Gunicorn defaults proc_name to the app. */
export function procName(config: Config): string {
  if (config.procName) return config.procName;
  if (!config.app) return 'welcome';
  return config.app.replace(/:.*$/, '');
}

export function setProcessTitle(role: 'master' | 'worker', name: string): void {
  process.title = `narwhal: ${role} [${name}]`;
}
