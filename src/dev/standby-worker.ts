// The worker side of the dev standby (standby.ts): before its boot message
// arrives, register the module-graph hooks and, for a TypeScript app, tsx, so
// that a reload only has to import the app. Runs in a worker started with STANDBY_ARG.

import { registerTypeScript, resolveModuleFile } from '../app/loader.js';
import { parseAppSpec } from '../app/spec.js';
import { ModuleGraph } from './module-graph.js';

/** The argument that tells worker/main.ts to warm up before its boot message. */
export const STANDBY_ARG = '--narwhal-standby';

export interface Prepared {
  readonly graph?: ModuleGraph;
}

export async function warmUp(appSpec: string, cwd: string): Promise<Prepared> {
  const graph = new ModuleGraph();
  // Loaded now so that the worker's own import of it after boot is a cache hit.
  await import('./dev-hooks.js');
  try {
    const file = appSpec ? resolveModuleFile(parseAppSpec(appSpec).module, cwd) : null;
    if (file && /\.(c|m)?tsx?$/.test(file)) await registerTypeScript();
  } catch {
    // A bad app name is reported by the real load, after the boot message.
  }
  return { graph };
}
