// Narwhal's public API for config files and typed apps. Nothing here starts a server.

import type { UserConfig } from './config/settings.js';

export type { Config, UserConfig } from './config/settings.js';
export type { FetchContext, FetchHandler, NodeListener } from './app/loader.js';
export type { ForwardedInfo } from './http/proxy-headers.js';
/** For node-style apps: `forwardedInfo(req)` gives the scheme and client address through trusted proxies. */
export { forwardedInfo } from './http/proxy-headers.js';

/** Types a `narwhal.config.ts`: `export default defineConfig({ workers: 2 })`. */
export function defineConfig(config: UserConfig): UserConfig {
  return config;
}
