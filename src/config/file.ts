// Finds and loads narwhal.config.{ts,mts,js,mjs} and checks its keys against
// the settings table. Runs in the master (and in workers for hooks); TypeScript
// configs load through tsx without registering it for the whole process.

import { existsSync } from '../node-fs.js';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { NarwhalError, describeError } from '../errors.js';
import { SETTINGS, SETTING_KEYS, type SettingKey, settingOf } from './settings.js';
import { InvalidValue, invalid } from './value-types.js';
import { didYouMean } from './suggest.js';

export const CONFIG_NAMES = ['narwhal.config.ts', 'narwhal.config.mts', 'narwhal.config.js', 'narwhal.config.mjs'];

/** The config file to load: the one named with -c, else one found in `cwd`. */
export function findConfigFile(explicit: string | null, cwd: string): string | null {
  if (explicit) {
    const p = path.resolve(cwd, explicit);
    if (!existsSync(p)) throw new NarwhalError('CONFIG', `config file ${explicit} does not exist (from -c/--config)`);
    return p;
  }
  for (const name of CONFIG_NAMES) {
    const p = path.join(cwd, name);
    if (existsSync(p)) return p;
  }
  return null;
}

let loads = 0;

async function importConfig(file: string): Promise<unknown> {
  // A query string makes a reload (HUP) evaluate the file again.
  const url = `${pathToFileURL(file).href}?narwhal-load=${++loads}`;
  if (/\.(c|m)?tsx?$/.test(file)) {
    const { tsImport } = await import('tsx/esm/api');
    return tsImport(url, import.meta.url);
  }
  return import(url);
}

const camel = (flag: string) => flag.replace(/^--/, '').replace(/[-_]+([a-z0-9])/g, (_, c: string) => c.toUpperCase());

/**
 * Every key a config file may use for a setting: the table's key (what --print-config
 * shows) first, then its listed aliases, Gunicorn's snake_case name and the camelCase
 * of each long flag, so that `healthPath`, `health_path` and `--health-path` agree.
 */
export function fileKeysOf(key: SettingKey): string[] {
  const s = settingOf(key);
  if (s.cliOnly) return [];
  const longFlags = s.cli.filter((f) => f.startsWith('--')).map(camel);
  return [...new Set([key, ...(s.aliases ?? []), s.name, ...longFlags])];
}

/** Maps every accepted key to its setting; the first setting to claim a spelling keeps it. */
export const FILE_KEYS: ReadonlyMap<string, SettingKey> = (() => {
  const map = new Map<string, SettingKey>();
  for (const k of SETTING_KEYS) for (const spelling of fileKeysOf(k)) if (!map.has(spelling)) map.set(spelling, k);
  return map;
})();

/** Loads a config file and returns its values, each checked by its setting's type. */
export async function loadConfigFile(file: string): Promise<Partial<Record<SettingKey, unknown>>> {
  let mod: Record<string, unknown>;
  try {
    mod = (await importConfig(file)) as Record<string, unknown>;
  } catch (e) {
    if (/Cannot find (package|module) 'narwhal'/.test(String((e as Error)?.message))) {
      throw new NarwhalError('CONFIG', `config file ${file} imports 'narwhal': the package is named narwhal-server, so import { defineConfig } from 'narwhal-server'`);
    }
    throw new NarwhalError('CONFIG', `config file ${file} failed to load: ${e instanceof Error ? e.message.split('\n')[0] : String(e)}`, {
      cause: e,
      detail: describeError(e),
    });
  }
  let exported = mod['default'] ?? mod['config'];
  // tsImport of a CommonJS-shaped module nests the default export once more.
  if (exported && typeof exported === 'object' && 'default' in exported && Object.keys(exported).length === 1) {
    exported = (exported as { default: unknown }).default;
  }
  if (!exported || typeof exported !== 'object' || Array.isArray(exported)) {
    throw new NarwhalError('CONFIG', `config file ${file} must export a settings object: export default defineConfig({ ... })`);
  }
  const values: Partial<Record<SettingKey, unknown>> = {};
  const where = path.basename(file);
  const spelledAs = new Map<SettingKey, string>();
  for (const [key, raw] of Object.entries(exported)) {
    const target = FILE_KEYS.get(key);
    if (!target) {
      const cliOnly = (SETTINGS as Record<string, { cliOnly?: boolean }>)[key]?.cliOnly;
      throw new NarwhalError(
        'CONFIG',
        cliOnly ? `${key} can only be given on the command line, not in ${where}` : `unknown setting "${key}" in ${where}${didYouMean(key, FILE_KEYS.keys())}`,
      );
    }
    if (raw === undefined) continue;
    const first = spelledAs.get(target);
    if (first !== undefined) throw new NarwhalError('CONFIG', `"${first}" and "${key}" in ${where} are the same setting (${target}): keep one`);
    spelledAs.set(target, key);
    try {
      values[target] = settingOf(target).type.fromValue(raw);
    } catch (e) {
      if (e instanceof InvalidValue) throw invalid(`"${key}" in ${where}`, raw, e);
      throw e;
    }
  }
  return values;
}
