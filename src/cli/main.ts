// The command line: resolves the configuration, then picks the mode (help,
// version, print or check config, serve). User mistakes end as one line and a
// named exit code; bugs in Narwhal end with their stack.

import { spawn } from 'node:child_process';
import { readEnv, applyEnv, daemonEnv, isDaemonChild, readInheritedSockets, readSystemdNotify } from '../config/env.js';
import { formatConfig, resolveConfig, type Resolved } from '../config/resolve.js';
import { loadApp } from '../app/loader.js';
import { Arbiter } from '../master/arbiter.js';
import { EXIT_CODES, NarwhalError, describeError } from '../errors.js';
import { loadTlsFiles } from '../config/tls-files.js';
import { VERSION } from '../version.js';
import { helpText } from './help.js';
import { runCtl } from './ctl.js';
import { StandbySpawner } from '../dev/standby.js';
import { DEV_DEFAULTS, DevReloader, devBanner, devWarnings } from '../dev/dev.js';

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
      return await runCtl(fullArgv.slice(1), (flags) => resolveConfig({ argv: flags, env: readEnv(), cwd: startDir }), (text) => write(process.stdout, text));
    } catch (err) {
      return report(err);
    }
  }
  // `narwhal dev APP`: the same server with development defaults (dev/dev.ts).
  const devMode = fullArgv[0] === 'dev';
  const argv = devMode ? fullArgv.slice(1) : fullArgv;
  const resolve = () => resolveConfig({ argv, env: readEnv(), cwd: startDir, defaults: devMode ? DEV_DEFAULTS : undefined });
  let resolved: Resolved;
  try {
    resolved = await resolve();
  } catch (err) {
    return report(err);
  }
  const { config } = resolved;
  if (resolved.help) {
    write(process.stdout, helpText());
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
      return loadApp(config.app, cwd, config.interface);
    };
    if (config.checkConfig) {
      loadTlsFiles(config);
      const app = await importApp();
      write(process.stdout, `narwhal: config OK${resolved.configFile ? ` (${resolved.configFile})` : ''}; app ${app.name} is ${app.kind}-style`);
      return EXIT_CODES.OK;
    }
    if (config.daemon && !isDaemonChild()) return daemonize(startDir, config.enableStdioInheritance);
    let reloader: DevReloader | null = null;
    const standby = config.reload ? new StandbySpawner() : null;
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
    });
    if (devMode) arbiter.logger.sink.write(devBanner(config));
    for (const w of devMode || config.debug ? devWarnings(config, readEnv().NODE_ENV) : []) arbiter.logger.warning(w);
    if (config.reload) {
      reloader = new DevReloader({ config, configFile: resolved.configFile, cwd, logger: arbiter.logger, reload: () => arbiter.reload() });
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
