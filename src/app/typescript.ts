// How a TypeScript app is imported: by Node itself where it strips types
// (`process.features.typescript`), else, or when stripping cannot run the app,
// through tsx. Used by app/loader.ts (workers, --preload, --check-config) and
// the dev standby; runs in whichever process loads the app.

import nodeModule, { createRequire } from 'node:module';
import { pathToFileURL } from 'node:url';
import type { MessagePort } from 'node:worker_threads';
import { NarwhalError } from '../errors.js';

/** The `typescript` setting: decide per app, or force one loader. */
export type TypeScriptMode = 'auto' | 'node' | 'tsx';

export interface TypeScriptOptions {
  readonly mode?: TypeScriptMode;
  /** Told once which loader ran the app and why (the worker logs it at debug level). */
  readonly note?: (message: string) => void;
}

export const TS_FILE = /\.(c|m)?tsx?$/;

/** True when this Node runs .ts files by itself (Node 22.18+, 23.6+, 24: on by default). */
export function nodeStripsTypes(): boolean {
  return Boolean((process.features as { typescript?: unknown }).typescript);
}

/**
 * The state of tsx in one process: registered at most once, since its hooks
 * stay for the life of the process. One per process, held by the loader.
 */
export class TsxRegistration {
  #registered: Promise<void> | null = null;
  #hooksThread: MessagePort | null = null;

  get registered(): boolean {
    return this.#registered !== null;
  }

  register(): Promise<void> {
    this.#registered ??= (async () => {
      const [{ register: registerEsm }, { register: registerCjs }] = await Promise.all([import('tsx/esm/api'), import('tsx/cjs/api')]);
      registerEsm();
      registerCjs();
      this.#registerIdle();
    })();
    return this.#registered;
  }

  /**
   * On Node 20 tsx transforms in Node's module-hooks thread, where esbuild runs
   * as a service child process whenever a file is not in tsx's disk cache, and
   * nothing stops it: each worker would keep one for its life. tsx-idle.ts,
   * registered beside tsx's hooks, stops it there on `idle()`. Where Node has
   * in-thread hooks (registerHooks) tsx uses them and transforms synchronously,
   * through a thread of esbuild's own that cannot be stopped cleanly (its child
   * would be left unreaped), and a hooks module would only add a hooks thread.
   */
  #registerIdle(): void {
    if (typeof (nodeModule as { registerHooks?: unknown }).registerHooks === 'function') return;
    try {
      const esbuildPath = createRequire(import.meta.resolve('tsx/esm/api')).resolve('esbuild');
      // node:worker_threads only here: the master imports this file (through the loader) and never registers tsx.
      const { MessageChannel } = createRequire(import.meta.url)('node:worker_threads') as typeof import('node:worker_threads');
      const { port1, port2 } = new MessageChannel();
      nodeModule.register(new URL('./tsx-idle.js', import.meta.url), { data: { port: port2, esbuild: pathToFileURL(esbuildPath).href }, transferList: [port2] });
      port1.unref();
      this.#hooksThread = port1;
    } catch {
      // An esbuild laid out otherwise: its service stays, as before.
    }
  }

  /** The app's graph is loaded: stop esbuild's service (a later import of an uncached file starts one again). */
  idle(): void {
    this.#hooksThread?.postMessage('stop');
  }
}

/**
 * Why Node's own loading failed where tsx may succeed, or null when the error
 * is the app's own. Node checks syntax and resolves the static graph before
 * evaluating any of it, so these come before the app's code has run.
 */
export function strippingFailure(err: unknown): string | null {
  const e = err as { code?: unknown; name?: unknown; stack?: unknown; message?: unknown } | null;
  if (!e || typeof e !== 'object') return null;
  switch (e.code) {
    case 'ERR_UNSUPPORTED_TYPESCRIPT_SYNTAX':
      return 'it uses TypeScript that type stripping cannot erase (an enum, a namespace or a parameter property)';
    case 'ERR_UNKNOWN_FILE_EXTENSION':
      return 'it has files Node cannot load by itself (.tsx or .jsx)';
    case 'ERR_UNSUPPORTED_NODE_MODULES_TYPE_STRIPPING':
      return 'it imports TypeScript from node_modules, which Node does not strip';
    case 'ERR_MODULE_NOT_FOUND':
    case 'ERR_UNSUPPORTED_DIR_IMPORT':
      return 'an import did not resolve by Node\'s rules (a .js name for a .ts file, no extension, or a tsconfig "paths" alias)';
  }
  // A parse error (decorators): Node prefixes its stack with the file and line of the source.
  if (e.name === 'SyntaxError' && typeof e.stack === 'string' && /^file:\/\/\S+\.(c|m)?tsx?:\d+\n/.test(e.stack)) {
    return `it has syntax Node does not parse (${String(e.message)}; decorators, perhaps)`;
  }
  return null;
}

/**
 * Imports a TypeScript entry `url`, choosing the loader as `opts.mode` says.
 * Node's stripping keeps every line and column (types become spaces), and tsx
 * installs source maps, so stack traces name the .ts lines either way.
 */
export async function importTypeScript(url: string, tsx: TsxRegistration, opts: TypeScriptOptions = {}): Promise<unknown> {
  const mode = opts.mode ?? 'auto';
  const note = opts.note ?? (() => {});
  if (mode === 'node' && !nodeStripsTypes()) {
    throw new NarwhalError('APP_LOAD', `--typescript node needs a Node.js that strips types (22.18+, 23.6+ or 24); this is Node ${process.version}: use --typescript auto or tsx`);
  }
  if (mode === 'tsx' || tsx.registered || !nodeStripsTypes()) {
    note(`Loading the TypeScript app with tsx (${mode === 'tsx' ? '--typescript tsx' : tsx.registered ? 'tsx is registered already' : `Node ${process.version} does not strip types`})`);
    await tsx.register();
    const mod = await import(url);
    tsx.idle();
    return mod;
  }
  try {
    const mod = await import(url);
    // The stripped files go to the compile cache now, for the next worker to start.
    (nodeModule as { flushCompileCache?: () => void }).flushCompileCache?.();
    note("Loading the TypeScript app with Node's own type stripping");
    return mod;
  } catch (err) {
    const why = mode === 'auto' ? strippingFailure(err) : null;
    if (!why) throw err;
    note(`Loading the TypeScript app with tsx: Node's type stripping cannot run it, as ${why}`);
    await tsx.register();
    // A new URL: the failed one may be remembered by Node's loader.
    const mod = await import(`${url}${url.includes('?') ? '&' : '?'}narwhal-tsx`);
    tsx.idle();
    return mod;
  }
}
