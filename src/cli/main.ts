// The command line: resolves the configuration, then picks the mode (help,
// version, print or check config, serve). User mistakes end as one line and a
// named exit code; bugs in Narwhal end with their stack.

import { spawn } from 'node:child_process';
import { readEnv, applyEnv, daemonEnv, isDaemonChild, readInheritedSockets, readSystemdNotify } from '../config/env.js';
import { formatConfig, resolveConfig, type Resolved } from '../config/resolve.js';
import { resolveModuleFile } from '../app/module-file.js';
import { parseAppSpec } from '../app/app-name.js';
import { Arbiter } from '../master/arbiter.js';
import { EXIT_CODES, NarwhalError, describeError } from '../errors.js';
import { VERSION } from '../version.js';
import { helpAllText, helpText } from './help.js';
import type { DevReloader } from '../dev/dev.js';

function write(stream: NodeJS.WriteStream, text: string): void {
  stream.write(text.endsWith('\n') ? text : `${text}\n`);
}

function report(err: unknown): number {
  if (err instanceof NarwhalError) {
    write(process.stderr, `narwhal: error: ${err.message}`);
    if (err.detail) write(process.stderr, err.detail);
    return err.exitCode;
  }
  write(process.stderr, `narwhal: internal error: ${describeError(err)}`);
  return EXIT_CODES.ERROR;
}

/**
 * A missing or misnamed app module stops the start before anything is bound, so its one line is not
 * preceded by "Listening at" and "Booting worker". An app that throws at import still needs a
 * worker to import it (or --preload / --check-config). The dev server waits for a save instead.
 */
function checkAppModule(app: string | null, cwd: string): void {
  if (app === null) return;
  let module: string;
  try {
    module = parseAppSpec(app).module;
  } catch (e) {
    throw new NarwhalError('APP_LOAD', `bad app name: ${(e as Error).message}`);
  }
  if (!resolveModuleFile(module, cwd)) throw new NarwhalError('APP_LOAD', `cannot find the app module "${module}" (looked in ${cwd}); name it as path/to/app.ts[:attr]`);
}

/** --daemon: the same command again, in a new session, detached; this process returns at once. */
function daemonize(cwd: string, keepStdio: boolean): number {
  const child = spawn(process.execPath, [...process.execArgv, ...process.argv.slice(1)], {
    cwd,
    env: daemonEnv(),
    detached: true,
    stdio: keepStdio ? 'inherit' : 'ignore',
  });
  child.unref();
  return EXIT_CODES.OK;
}

export async function main(fullArgv: readonly string[]): Promise<number> {
  const startDir = process.cwd();
  if (fullArgv[0] === 'ctl') {
    try {
      const { runCtl } = await import('./ctl.js');
      return await runCtl(fullArgv.slice(1), (flags) => resolveConfig({ argv: flags, env: readEnv(), cwd: startDir }), (text) => write(process.stdout, text));
    } catch (err) {
      return report(err);
    }
  }
  // `narwhal dev APP`: the same server with development defaults (dev/dev.ts).
  const devMode = fullArgv[0] === 'dev';
  const argv = devMode ? fullArgv.slice(1) : fullArgv;
  // The dev server's code is loaded only for the dev server (the master keeps a small footprint).
  const DEV_DEFAULTS = devMode ? (await import('../dev/dev.js')).DEV_DEFAULTS : undefined;
  const resolve = () => resolveConfig({ argv, env: readEnv(), cwd: startDir, defaults: DEV_DEFAULTS });
  let resolved: Resolved;
  try {
    resolved = await resolve();
  } catch (err) {
    return report(err);
  }
  const { config } = resolved;
  if (resolved.help) {
    write(process.stdout, resolved.helpAll ? helpAllText() : helpText());
    return EXIT_CODES.OK;
  }
  if (resolved.version) {
    write(process.stdout, `narwhal ${VERSION} (Node.js ${process.version})`);
    return EXIT_CODES.OK;
  }
  if (config.printConfig) {
    write(process.stdout, formatConfig(resolved));
    return EXIT_CODES.OK;
  }
  try {
    if (config.chdir) {
      try {
        process.chdir(config.chdir);
      } catch (e) {
        throw new NarwhalError('CONFIG', `cannot change to directory ${config.chdir} (--chdir): ${(e as NodeJS.ErrnoException).code}`);
      }
    }
    const cwd = process.cwd();
    const importApp = async () => {
      applyEnv(config.rawEnv);
      // The loader only for --preload: a master that does not import the app never holds it.
      const { loadApp } = await import('../app/loader.js');
      return loadApp(config.app, cwd, config.interface, { mode: config.typescript });
    };
    if (config.checkConfig) {
      (await import('../config/tls-files.js')).loadTlsFiles(config);
      applyEnv(config.rawEnv);
      const app = await (await import('./check-config.js')).describeCheckedApp(config, cwd);
      write(process.stdout, `narwhal: config OK${resolved.configFile ? ` (${resolved.configFile})` : ''}; ${app}`);
      return EXIT_CODES.OK;
    }
    if (!config.reload) checkAppModule(config.app, cwd);
    if (config.daemon && !isDaemonChild()) return daemonize(startDir, config.enableStdioInheritance);
    let reloader: DevReloader | null = null;
    const dev = devMode || config.debug || config.reload ? await import('../dev/dev.js') : null;
    const standby = config.reload ? new (await import('../dev/standby.js')).StandbySpawner() : null;
    const arbiter = new Arbiter({
      resolved,
      reresolve: resolve,
      cwd,
      startDir,
      inherited: readInheritedSockets(),
      systemd: readSystemdNotify(),
      version: VERSION,
      preload: config.preloadApp ? async () => void (await importApp()) : undefined,
      spawn: standby?.spawn,
      onSpawn: (worker) => reloader?.attach(worker),
      onReloadDone: (ok) => reloader?.reloadDone(ok),
      loadFailed: (generation) => reloader?.loadFailed(generation) ?? false,
    });
    if (devMode) arbiter.logger.sink.write(dev!.devBanner(config));
    for (const w of dev && (devMode || config.debug) ? dev.devWarnings(config, readEnv().NODE_ENV) : []) arbiter.logger.warning(w);
    if (dev && config.reload) {
      reloader = new dev.DevReloader({ config, configFile: resolved.configFile, cwd, logger: arbiter.logger, reload: () => arbiter.reload() });
    }
    try {
      return await arbiter.run();
    } finally {
      reloader?.close();
      standby?.close();
    }
  } catch (err) {
    return report(err);
  }
}
