// The dev server's master side: the banner and warnings of `narwhal dev`, and
// the reloader that watches the app's module graph (as its workers report it),
// the config file and --reload-extra-file paths, and calls the arbiter's own
// readiness-gated reload. Created by cli/main.ts with --reload; runs in the master.

import path from 'node:path';
import { parseAddress } from '../config/address.js';
import type { Config } from '../config/settings.js';
import type { Logger } from '../log/logger.js';
import type { WorkerHandle } from '../master/worker-handle.js';
import { FileWatcher } from './watcher.js';

/** Saves closer together than this are one reload (an editor writing ten files). */
export const DEBOUNCE_MS = 30;

/** The defaults `narwhal dev` starts from; the config file and the command line still win. */
export const DEV_DEFAULTS = {
  reload: true,
  debug: true,
  loglevel: 'debug',
  bind: ['127.0.0.1:8000'],
  workers: 1,
} as const;

export function devBanner(config: Config): string {
  const where = config.bind.map((b) => (b.startsWith('unix:') || b.startsWith('fd://') ? b : `http://${b}`)).join(', ');
  return [
    '',
    '  narwhal dev: a DEVELOPMENT server. Do not use it in production.',
    `  Serving ${config.app ?? 'the welcome page'} at ${where}; it reloads when a file the app loaded changes,`,
    '  and errors get debug pages that show your code and environment. In production run',
    '  `narwhal APP` (no `dev`, `--reload` or `--debug`) behind a reverse proxy.',
    '',
    '',
  ].join('\n');
}

/** Warnings for common mistakes with the dev server. */
export function devWarnings(config: Config, nodeEnv: string | undefined): string[] {
  const out: string[] = [];
  for (const b of config.bind) {
    let host = '';
    try {
      const a = parseAddress(b);
      if (a.kind === 'tcp') host = a.host;
    } catch {
      // Validated already when the config was resolved.
    }
    if (host === '0.0.0.0' || host === '::') out.push(`The dev server is bound to ${b}: anyone on your network can reach it and its debug pages. Bind 127.0.0.1 unless you mean it.`);
  }
  if (nodeEnv === 'production') out.push('NODE_ENV=production with the dev server: debug pages and reloading are on anyway. For production run `narwhal APP` without `dev`.');
  if (config.workers > 1) out.push(`${config.workers} workers with reloading: each reload starts them all again. The dev server is meant to run one.`);
  return out;
}

export interface ReloaderOptions {
  readonly config: Config;
  readonly configFile: string | null;
  readonly cwd: string;
  readonly logger: Logger;
  /** The arbiter's reload, the same path as HUP. */
  readonly reload: () => void;
}

export class DevReloader {
  readonly #options: ReloaderOptions;
  readonly #watcher: FileWatcher;
  readonly #always: string[];
  #latestGeneration = 0;
  #reported = false;
  #reloadStartedAt: number | null = null;
  /** Generations whose workers reported that the app failed to load. */
  readonly #failed = new Set<number>();

  constructor(options: ReloaderOptions) {
    this.#options = options;
    this.#always = [...(options.configFile ? [options.configFile] : []), ...options.config.reloadExtraFiles.map((f) => path.resolve(options.cwd, f))];
    this.#watcher = new FileWatcher({
      debounceMs: DEBOUNCE_MS,
      onChange: (files) => this.#onChange(files),
      onError: (dir, err) => options.logger.debug(`Not watching ${dir}: ${err.message}`),
    });
    this.#watcher.setFiles([], this.#always);
  }

  get watched(): readonly string[] {
    return this.#watcher.files;
  }

  /** Listens to a new worker's reports: its module graph, and whether its app failed to load. */
  attach(worker: WorkerHandle): void {
    worker.channel.on('modules', (m) => {
      if (worker.generation < this.#latestGeneration) return;
      const before = this.#watcher.files.length;
      this.#latestGeneration = worker.generation;
      this.#watcher.setFiles(m.files, this.#always);
      const now = this.#watcher.files.length;
      if (now !== before || !this.#reported) this.#options.logger.debug(`Watching ${now} file${now === 1 ? '' : 's'} for changes`);
      this.#reported = true;
    });
    worker.channel.on('load-error', (m) => {
      this.#failed.add(worker.generation);
      this.#options.logger.error(`The app failed to load; serving the error page until a save fixes it: ${m.message}${m.detail ? `\n${m.detail}` : ''}`);
    });
  }

  #onChange(files: readonly string[]): void {
    const shown = files.map((f) => path.relative(this.#options.cwd, f) || f).join(', ');
    this.#options.logger.info(`Changed: ${shown}; reloading`);
    this.#reloadStartedAt ??= Date.now();
    this.#options.reload();
  }

  /** Whether `generation` serves the error page: the arbiter then says the reload failed. */
  loadFailed(generation: number): boolean {
    return this.#failed.has(generation);
  }

  /** The arbiter's word on a reload. */
  reloadDone(ok: boolean): void {
    if (this.#reloadStartedAt !== null && ok) this.#options.logger.info(`Reloaded in ${Date.now() - this.#reloadStartedAt} ms`);
    this.#reloadStartedAt = null;
  }

  close(): void {
    this.#watcher.close();
  }
}
