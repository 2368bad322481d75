// The worker side of the dev standby (standby.ts): before its boot message
// arrives, register the module-graph hooks and, for a TypeScript app that tsx will
// load, tsx, so that a reload only has to import the app. Runs in a worker started
// with STANDBY_ARG.

import { registerTypeScript, resolveModuleFile } from '../app/loader.js';
import { parseAppSpec } from '../app/app-name.js';
import { TS_FILE, nodeStripsTypes } from '../app/typescript.js';
import { ModuleGraph } from './module-graph.js';
import { STANDBY_TS_ARG } from './standby-arg.js';

export { STANDBY_ARG } from './standby-arg.js';

export interface Prepared {
  readonly graph?: ModuleGraph;
}

/** `argv` carries the `typescript` setting (STANDBY_TS_ARG): with Node's stripping there is no tsx to warm up. */
export async function warmUp(appSpec: string, cwd: string, argv: readonly string[] = []): Promise<Prepared> {
  const mode = argv.find((a) => a.startsWith(STANDBY_TS_ARG))?.slice(STANDBY_TS_ARG.length) ?? 'auto';
  const graph = new ModuleGraph();
  // Loaded now so that the worker's own import of it after boot is a cache hit.
  await import('./dev-hooks.js');
  try {
    const file = appSpec ? resolveModuleFile(parseAppSpec(appSpec).module, cwd) : null;
    if (file && TS_FILE.test(file) && (mode === 'tsx' || !nodeStripsTypes())) await registerTypeScript();
  } catch {
    // A bad app name is reported by the real load, after the boot message.
  }
  return { graph };
}
