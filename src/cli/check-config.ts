// `--check-config`: loads the app the way a worker would, in the CLI process, and says what it is.
// A listen() script is imported with its listen() recorded, not bound, so the check never serves.
// Called by cli/main.ts; CLI process only.

import { appFromModule, importAppModule, loadApp, NotAnAppError } from '../app/loader.js';
import { recordListenCalls } from '../app/listen-capture.js';
import type { Config } from '../config/settings.js';
import { NarwhalError } from '../errors.js';

/** `app X is fetch-style`, `app X is a listen() script (it asks for port 3000)`; throws the loader's one-line errors. */
export async function describeCheckedApp(config: Config, cwd: string): Promise<string> {
  const ts = { mode: config.typescript };
  if (config.app === null || config.interface === 'fetch' || config.interface === 'node') {
    const app = await loadApp(config.app, cwd, config.interface, ts);
    return `app ${app.name} is ${app.kind}-style`;
  }
  const listen = recordListenCalls();
  try {
    const imported = await importAppModule(config.app, cwd, ts);
    const script = (asked: string) => `app ${imported.shown} is a listen() script (it asks for ${asked}; workers serve it on --bind)`;
    const soon = await Promise.race([listen.asked, Promise.resolve(null)]);
    if (soon !== null) return script(soon);
    if (config.interface !== 'listen') {
      try {
        const app = await appFromModule(imported, 'auto');
        return `app ${app.name} is ${app.kind}-style`;
      } catch (err) {
        if (!(err instanceof NotAnAppError)) throw err;
      }
    }
    // A script may start its server after an await (a database connection, a build step).
    const bootMs = config.bootTimeout * 1000;
    let timer: NodeJS.Timeout | undefined;
    const late = await Promise.race([listen.asked, new Promise<null>((resolve) => (timer = setTimeout(resolve, bootMs, null)))]);
    clearTimeout(timer);
    if (late !== null) return script(late);
    throw new NarwhalError('APP_LOAD', `the module ${imported.shown} exports no app and called listen() on no server within --boot-timeout ${config.bootTimeout} s: export an app, or start its server when the module loads`);
  } finally {
    listen.restore();
  }
}
