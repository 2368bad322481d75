// The command line: resolves the configuration, then picks the mode (help,
// version, print or check config, serve). User mistakes end as one line and a
// named exit code; bugs in Narwhal end with their stack.

import { readEnv, applyEnv, readInheritedSockets } from '../config/env.js';
import { formatConfig, resolveConfig, type Resolved } from '../config/resolve.js';
import { loadApp } from '../app/loader.js';
import { Arbiter } from '../master/arbiter.js';
import { EXIT_CODES, NarwhalError, describeError } from '../errors.js';
import { VERSION } from '../version.js';
import { helpText } from './help.js';
import { runCtl } from './ctl.js';

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

export async function main(argv: readonly string[]): Promise<number> {
  const startDir = process.cwd();
  if (argv[0] === 'ctl') {
    try {
      return await runCtl(argv.slice(1), (flags) => resolveConfig({ argv: flags, env: readEnv(), cwd: startDir }), (text) => write(process.stdout, text));
    } catch (err) {
      return report(err);
    }
  }
  const resolve = () => resolveConfig({ argv, env: readEnv(), cwd: startDir });
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
      const app = await importApp();
      write(process.stdout, `narwhal: config OK${resolved.configFile ? ` (${resolved.configFile})` : ''}; app ${app.name} is ${app.kind}-style`);
      return EXIT_CODES.OK;
    }
    const arbiter = new Arbiter({
      resolved,
      reresolve: resolve,
      cwd,
      startDir,
      inherited: readInheritedSockets(),
      version: VERSION,
      preload: config.preloadApp ? async () => void (await importApp()) : undefined,
    });
    return await arbiter.run();
  } catch (err) {
    return report(err);
  }
}
