// Loads the worker's app either way: a module that exports an app, or a script
// that calls listen() itself (decided by --interface, or in `auto` by what the
// module does while it loads). Created by worker/worker.ts; worker only.

import { ListenCapture, type InheritedListener } from '../app/listen-capture.js';
import type { TypeScriptOptions } from '../app/typescript.js';
import { appFromModule, importAppModule, loadApp, NotAnAppError, type LoadedApp } from '../app/loader.js';
import { holdSignalListeners, lockProcessTitle } from '../app/listen-patches.js';
import { applyEnv } from '../config/env.js';
import type { Config } from '../config/settings.js';
import type { Logger } from '../log/logger.js';
import { ListenServing, type ListenServingOptions } from './listen-serving.js';

export interface ScriptGuard {
  /** The script's own SIGTERM listeners, held back from the process until the drain is done. */
  appSignalListeners(): ((sig: NodeJS.Signals) => void)[];
}

/**
 * Before any app code runs: the worker keeps SIGTERM (its drain runs first) and
 * its process title (a script may rename the process, as Next.js does).
 */
export function guardProcess(logger: Logger): ScriptGuard {
  const held = holdSignalListeners('SIGTERM');
  lockProcessTitle((title) => logger.debug(`The app set the process title to "${title}"; the worker keeps its own`));
  return { appSignalListeners: held };
}

/** PORT and HOST from the first --bind, as a platform sets them: frameworks read them. */
function bindEnv(label: string): Record<string, string> {
  try {
    const url = new URL(label);
    return url.port ? { PORT: url.port, HOST: url.hostname.replace(/^\[|\]$/g, '') } : {};
  } catch {
    return {};
  }
}

export interface WorkerAppContext {
  readonly config: Config;
  readonly cwd: string;
  readonly listeners: readonly InheritedListener[];
  readonly logger: Logger;
  /** Only the first worker says where the script's port went, so the log says it once. */
  readonly first: boolean;
  /** Asked for only when the module turns out to be a listen() script. */
  readonly serving: () => ListenServingOptions;
  readonly typescript: TypeScriptOptions;
}

/** The exported app, or the script's own server serving on Narwhal's sockets. */
export async function loadWorkerApp(ctx: WorkerAppContext): Promise<LoadedApp | ListenServing> {
  const { config, cwd } = ctx;
  if (config.app === null || config.interface === 'fetch' || config.interface === 'node') return loadApp(config.app, cwd, config.interface, ctx.typescript);
  const capture = new ListenCapture(ctx.listeners, config.backlog);
  applyEnv(bindEnv(ctx.listeners[0]?.label ?? ''));
  capture.install();
  const bootMs = config.bootTimeout * 1000;
  try {
    const imported = await importAppModule(config.app, cwd, ctx.typescript);
    if (config.interface === 'listen' || capture.called) return serve(ctx, await capture.listening(bootMs, `the script ${imported.shown} loaded`));
    try {
      const app = await appFromModule(imported, 'auto');
      if (!capture.called) {
        capture.restore();
        return app;
      }
    } catch (err) {
      if (!(err instanceof NotAnAppError)) throw err;
      return serve(ctx, await capture.listening(bootMs, err.message));
    }
    return serve(ctx, await capture.listening(bootMs, `the module ${imported.shown} loaded`));
  } catch (err) {
    capture.restore();
    throw err;
  }
}

function serve(ctx: WorkerAppContext, captured: Awaited<ReturnType<ListenCapture['listening']>>): ListenServing {
  const where = ctx.listeners.map((l) => l.label).join(', ');
  const line = `The app asked to listen on ${captured.asked}; it accepts on Narwhal's ${where} instead`;
  if (ctx.first) ctx.logger.info(line);
  else ctx.logger.debug(line);
  const serving = new ListenServing(captured, ctx.serving());
  if (!serving.http) ctx.logger.warning(`The app's server is not an HTTP server: Narwhal drains it, but has no access log, metrics, health path or static files for it`);
  return serving;
}
