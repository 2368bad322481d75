// Imports the user's app and decides its contract, once. Runs in workers (and
// in the master for --preload and --check-config). TypeScript apps load as
// app/typescript.ts decides: Node's own type stripping, or tsx.

import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { NarwhalError, describeError } from '../errors.js';
import { parseAppSpec, type AppSpec } from './app-name.js';
import { welcomeApp } from './welcome.js';
import { refuseWithoutDecoratorMetadata } from './decorator-metadata.js';
import { TS_FILE, TsxRegistration, importTypeScript, type TypeScriptOptions } from './typescript.js';
import { checkedFetch, checkedNode, chooseInterface, type Interface } from './contract.js';
import { resolveModuleFile } from './module-file.js';
import type { TlsInfo } from '../http/tls.js';
import type { UpgradeHandler } from '../http/upgrade.js';

/** What a fetch-style app's handler receives besides the request. */
export interface FetchContext {
  /** The client's address as the worker saw it (the peer: behind a proxy, the proxy). */
  readonly remoteAddress: string;
  /** The client's address through trusted proxies (--forwarded-allow-ips, --forwarded-for-header); the peer without them. */
  readonly clientAddress: string;
  /** The connection's TLS details (client certificate included); undefined on plain connections. */
  readonly tls?: TlsInfo | undefined;
  /** Keeps the worker from exiting (on reload or stop) until the promise settles, within the graceful timeout. */
  waitUntil(promise: Promise<unknown>): void;
}

export type FetchHandler = (request: Request, ctx: FetchContext) => Response | Promise<Response>;
export type NodeListener = (req: import('node:http').IncomingMessage, res: import('node:http').ServerResponse) => unknown;
/** A Connect-style app called as its parent router calls it when mounted: `done` gets the error no middleware handled, or nothing when no route matched. */
export type MountedListener = (req: import('node:http').IncomingMessage, res: import('node:http').ServerResponse, done: (err?: unknown) => void) => unknown;

export type LoadedApp =
  | { readonly kind: 'fetch'; readonly handler: FetchHandler; readonly name: string; readonly upgrade?: UpgradeHandler | undefined }
  | {
      readonly kind: 'node';
      readonly listener: NodeListener;
      readonly name: string;
      readonly upgrade?: UpgradeHandler | undefined;
      /** Set for a Connect-style app (Express 4/5, Connect, a router: `use` and `handle` methods); only the dev server calls it. */
      readonly mounted?: MountedListener | undefined;
    };

export type { Interface } from './contract.js';
export { detectInterface } from './contract.js';

export { resolveModuleFile };

/** tsx's hooks, once registered, stay for the life of the process. */
const tsx = new TsxRegistration();

export function registerTypeScript(): Promise<void> {
  return tsx.register();
}

function exportNames(mod: Record<string, unknown>): string {
  const names = Object.keys(mod).filter((k) => k !== '__esModule');
  return names.length ? names.join(', ') : 'none';
}

async function importModule(file: string, shown: string, ts: TypeScriptOptions): Promise<Record<string, unknown>> {
  const url = pathToFileURL(file).href;
  try {
    return (await (TS_FILE.test(file) ? importTypeScript(url, tsx, ts) : import(url))) as Record<string, unknown>;
  } catch (e) {
    if (e instanceof NarwhalError) throw e;
    const first = e instanceof Error ? `${e.name}: ${e.message.split('\n')[0]}` : String(e);
    throw new NarwhalError('APP_LOAD', `failed to import the app ${shown}: ${first}`, { cause: e, detail: describeError(e) });
  }
}

/**
 * A TypeScript file in a package without "type": "module" is compiled to
 * CommonJS, and importing it wraps its ES exports in `default` once more.
 */
function esModuleInterop(mod: Record<string, unknown>): Record<string, unknown> {
  const inner = mod['default'] as Record<string, unknown> | undefined;
  return inner && typeof inner === 'object' && inner['__esModule'] === true ? inner : mod;
}

/** The module has no such export, or its value is not an app: a listen() script may still be starting its server. */
export class NotAnAppError extends NarwhalError {
  constructor(message: string) {
    super('APP_LOAD', message);
  }
}

function pickAttr(mod: Record<string, unknown>, spec: AppSpec, shown: string): unknown {
  let value: unknown = mod;
  for (const [i, part] of spec.attr.entries()) {
    let next = (value as Record<string, unknown> | undefined)?.[part];
    // A CommonJS module's exports sit under `default` when imported from ESM.
    if (next === undefined && i === 0 && mod['default'] && typeof mod['default'] === 'object') {
      next = (mod['default'] as Record<string, unknown>)[part];
    }
    if (next === undefined) {
      const where = i === 0 ? `${spec.module} has no export "${part}" (its exports: ${exportNames(mod)})` : `${spec.attr.slice(0, i).join('.')} has no property "${part}"`;
      const message = `cannot find the app ${shown}: ${where}`;
      // Only a module without a default export may be a script that starts its own server.
      throw spec.attr.length === 1 && part === 'default' ? new NotAnAppError(message) : new NarwhalError('APP_LOAD', message);
    }
    value = next;
  }
  return value;
}

/**
 * The app's handler for upgrade requests (WebSocket): an `upgrade` method or
 * property on the app value, else a named `upgrade` export of its module.
 */
function upgradeHandler(value: unknown, mod: Record<string, unknown>): UpgradeHandler | undefined {
  const own = value !== null && (typeof value === 'object' || typeof value === 'function') ? (value as { upgrade?: unknown }).upgrade : undefined;
  if (typeof own === 'function') return own.bind(value) as UpgradeHandler;
  return typeof mod['upgrade'] === 'function' ? (mod['upgrade'] as UpgradeHandler) : undefined;
}

/** An imported app module, before its export is taken as an app. */
export interface ImportedModule {
  readonly mod: Record<string, unknown>;
  readonly spec: AppSpec;
  /** `module:attr` for messages. */
  readonly shown: string;
}

/** Imports the module `specText` names (whatever it does while it loads). */
export async function importAppModule(specText: string, cwd: string, ts: TypeScriptOptions = {}): Promise<ImportedModule> {
  let spec: AppSpec;
  try {
    spec = parseAppSpec(specText);
  } catch (e) {
    throw new NarwhalError('APP_LOAD', `bad app name: ${(e as Error).message}`);
  }
  const shown = `${spec.module}:${spec.attr.join('.')}${spec.args ? '()' : ''}`;
  const file = resolveModuleFile(spec.module, cwd);
  if (!file) {
    throw new NarwhalError('APP_LOAD', `cannot find the app module "${spec.module}" (looked in ${cwd}); name it as path/to/app.ts[:attr]`);
  }
  if (TS_FILE.test(file)) refuseWithoutDecoratorMetadata(file, spec.module, cwd);
  return { mod: esModuleInterop(await importModule(file, shown, ts)), spec, shown };
}

const isThenable = (v: unknown): v is PromiseLike<unknown> => v !== null && (typeof v === 'object' || typeof v === 'function') && typeof (v as { then?: unknown }).then === 'function';

/** The imported module's app: the export, called when it is a factory, awaited when it is a promise. */
export async function appFromModule(imported: ImportedModule, iface: Interface): Promise<LoadedApp> {
  const { mod, spec, shown } = imported;
  let value = pickAttr(mod, spec, shown);
  if (spec.args) {
    if (typeof value !== 'function') throw new NarwhalError('APP_LOAD', `the app ${shown} is not a function, so it cannot be called as a factory`);
    try {
      value = await (value as (...a: unknown[]) => unknown)(...spec.args);
    } catch (e) {
      throw new NarwhalError('APP_LOAD', `the app factory ${shown} threw: ${e instanceof Error ? e.message : String(e)}`, { cause: e, detail: describeError(e) });
    }
  }
  // An app built asynchronously (`export default createApp()` with an async createApp).
  if (isThenable(value)) {
    try {
      value = await value;
    } catch (e) {
      throw new NarwhalError('APP_LOAD', `the app ${shown} is a promise that rejected: ${e instanceof Error ? e.message : String(e)}`, { cause: e, detail: describeError(e) });
    }
  }
  return asLoadedApp(value, mod, shown, iface);
}

/** Express, Connect and routers take a third argument, the `next` of the router they are mounted in (their public mounting API). */
export function connectStyle(value: unknown): MountedListener | undefined {
  const v = value as { use?: unknown; handle?: unknown };
  if (typeof value !== 'function' || typeof v.use !== 'function' || typeof v.handle !== 'function') return undefined;
  return value as MountedListener;
}

function asLoadedApp(value: unknown, mod: Record<string, unknown>, shown: string, iface: Interface): LoadedApp {
  const choice = chooseInterface(value, iface);
  const upgrade = upgradeHandler(value, mod);
  if (choice?.kind === 'fetch') {
    const fetchMethod = (value as { fetch?: unknown }).fetch;
    const handler: FetchHandler = typeof fetchMethod === 'function' ? (fetchMethod.bind(value) as FetchHandler) : (value as FetchHandler);
    return { kind: 'fetch', handler: choice.guessed ? checkedFetch(handler, shown, choice.rule) : handler, name: shown, upgrade };
  }
  if (choice?.kind === 'node') {
    const listener = value as NodeListener;
    return { kind: 'node', listener: choice.guessed ? checkedNode(listener, shown, choice.rule) : listener, name: shown, upgrade, mounted: connectStyle(value) };
  }
  const got = value === null ? 'null' : typeof value;
  // An empty object is a CommonJS script's untouched module.exports: it may be starting a server.
  const empty = value !== null && typeof value === 'object' && Object.keys(value).length === 0;
  throw new (empty ? NotAnAppError : NarwhalError.bind(null, 'APP_LOAD'))(
    `the app ${shown} is ${got === 'object' ? 'an object without a fetch method' : `a ${got}`}, not an app: export a fetch(request) function, an object with fetch(request), or a (req, res) listener, or call listen() on a server${iface !== 'auto' ? ` (--interface ${iface})` : ''}`,
  );
}

/** Imports the app named by `specText` (or the welcome app when null) and returns its handler. */
export async function loadApp(specText: string | null, cwd: string, iface: Interface, ts: TypeScriptOptions = {}): Promise<LoadedApp> {
  if (specText === null) return { kind: 'fetch', handler: welcomeApp, name: 'welcome' };
  return appFromModule(await importAppModule(specText, cwd, ts), iface);
}
