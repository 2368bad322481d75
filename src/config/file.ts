// Finds and loads narwhal.config.{ts,mts,js,mjs} and checks its keys against
// the settings table. Runs in the master (and in workers for hooks); TypeScript
// configs load through tsx without registering it for the whole process.

import { existsSync } from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { NarwhalError, describeError } from '../errors.js';
import { SETTINGS, SETTING_KEYS, type SettingKey, settingOf } from './settings.js';
import { InvalidValue, invalid } from './spec.js';
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

/** Maps every accepted key (camelCase names and aliases) to its setting. */
const FILE_KEYS: ReadonlyMap<string, SettingKey> = new Map(
  SETTING_KEYS.filter((k) => !settingOf(k).cliOnly).flatMap((k) => [[k, k] as const, ...(settingOf(k).aliases ?? []).map((a) => [a, k] as const)]),
);

/** Loads a config file and returns its values, each checked by its setting's type. */
export async function loadConfigFile(file: string): Promise<Partial<Record<SettingKey, unknown>>> {
  let mod: Record<string, unknown>;
  try {
    mod = (await importConfig(file)) as Record<string, unknown>;
  } catch (e) {
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
    try {
      values[target] = settingOf(target).type.fromValue(raw);
    } catch (e) {
      if (e instanceof InvalidValue) throw invalid(`"${key}" in ${where}`, raw, e);
      throw e;
    }
  }
  return values;
}
