// Narwhal's public API for config files and typed apps. Nothing here starts a server.

import type { UserConfig } from './config/settings.js';

export type { Config, UserConfig } from './config/settings.js';
export type { FetchContext, FetchHandler, NodeListener } from './app/loader.js';

/** Types a `narwhal.config.ts`: `export default defineConfig({ workers: 2 })`. */
export function defineConfig(config: UserConfig): UserConfig {
  return config;
}
