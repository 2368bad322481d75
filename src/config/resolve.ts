// Resolves the configuration once: defaults < config file < NARWHAL_CMD_ARGS <
// command line, remembering where each value came from, then freezes it.
// Called by the CLI at start and by the master on HUP.

import { NarwhalError } from '../errors.js';
import { parseArgs, splitWords, type ParsedArgs } from './cli-flags.js';
import type { EnvView } from './env.js';
import { findConfigFile, loadConfigFile } from './file.js';
import { SETTING_KEYS, type Config, type SettingKey, settingOf } from './settings.js';
import { InvalidValue, invalid } from './value-types.js';

export type Origin = 'default' | 'env' | 'config file' | 'NARWHAL_CMD_ARGS' | 'command line';

export interface Resolved {
  readonly config: Config;
  readonly origins: Readonly<Record<SettingKey, Origin>>;
  readonly configFile: string | null;
  readonly help: boolean;
  readonly helpAll: boolean;
  readonly version: boolean;
}

export interface ResolveInput {
  readonly argv: readonly string[];
  readonly env: EnvView;
  readonly cwd: string;
  /** Defaults that replace the table's (and the environment's), for `narwhal dev`. */
  readonly defaults?: Readonly<Partial<Record<SettingKey, unknown>>>;
}

function appFrom(parsed: ParsedArgs, source: string): string | undefined {
  if (parsed.positionals.length > 1) {
    throw new NarwhalError('USAGE', `expected one app (MODULE[:ATTR]) in ${source}, got ${parsed.positionals.length}: ${parsed.positionals.join(' ')}`);
  }
  return parsed.positionals[0];
}

export async function resolveConfig(input: ResolveInput): Promise<Resolved> {
  const cli = parseArgs(input.argv);
  const cmd = input.env.NARWHAL_CMD_ARGS ? parseArgs(splitWords(input.env.NARWHAL_CMD_ARGS), 'NARWHAL_CMD_ARGS') : null;

  const values: Record<string, unknown> = {};
  const origins = {} as Record<SettingKey, Origin>;
  for (const key of SETTING_KEYS) {
    const s = settingOf(key);
    const fromEnv = s.envDefault?.(input.env);
    if (fromEnv !== undefined) {
      try {
        values[key] = s.type.fromString(fromEnv);
      } catch (e) {
        if (e instanceof InvalidValue) throw invalid(`${key} (from the environment)`, fromEnv, e);
        throw e;
      }
      origins[key] = 'env';
    } else {
      values[key] = s.default;
      origins[key] = 'default';
    }
  }

  for (const [key, value] of Object.entries(input.defaults ?? {}) as [SettingKey, unknown][]) {
    values[key] = value;
    origins[key] = 'default';
  }

  const explicitFile = (cli.values.config ?? cmd?.values.config ?? null) as string | null;
  const configFile = findConfigFile(explicitFile, input.cwd);
  const layers: [Partial<Record<SettingKey, unknown>>, Origin][] = [];
  if (configFile) layers.push([await loadConfigFile(configFile), 'config file']);
  if (cmd) layers.push([{ ...cmd.values, ...(appFrom(cmd, 'NARWHAL_CMD_ARGS') ? { app: appFrom(cmd, 'NARWHAL_CMD_ARGS') } : {}) }, 'NARWHAL_CMD_ARGS']);
  layers.push([{ ...cli.values, ...(appFrom(cli, 'the command line') ? { app: appFrom(cli, 'the command line') } : {}) }, 'command line']);
  for (const [layer, origin] of layers) {
    for (const [key, value] of Object.entries(layer) as [SettingKey, unknown][]) {
      values[key] = value;
      origins[key] = origin;
    }
  }
  if (configFile && origins.config === 'default') {
    values['config'] = configFile;
    origins.config = 'config file';
  }

  checkCombinations(values);
  for (const key of SETTING_KEYS) {
    const v = values[key];
    if (v && typeof v === 'object') Object.freeze(v);
  }
  return {
    config: Object.freeze(values) as unknown as Config,
    origins: Object.freeze(origins),
    configFile,
    help: cli.help,
    helpAll: cli.helpAll,
    version: cli.version,
  };
}

/** Settings that are fine alone but not together. */
function checkCombinations(values: Record<string, unknown>): void {
  const max = values['maxWorkers'] as number;
  if (max !== 0 && max < (values['workers'] as number)) {
    throw new NarwhalError('CONFIG', `--max-workers ${max} is below --workers ${String(values['workers'])}: give at least --workers, or 0 for a fixed count`);
  }
  if (values['certfile'] && values['proxyProtocol'] !== 'off') {
    // The PROXY header comes before the TLS handshake, and the strict gate reads the decrypted stream.
    throw new NarwhalError('CONFIG', '--proxy-protocol cannot be combined with --certfile yet: terminate TLS at the proxy, or drop the PROXY header');
  }
}

/** `--print-config`: every setting under the key a config file takes, its value and where it came from. */
export function formatConfig(resolved: Resolved): string {
  const width = Math.max(...SETTING_KEYS.map((k) => k.length));
  return SETTING_KEYS.map((key) => {
    const s = settingOf(key);
    const shown = s.type.show((resolved.config as Record<string, unknown>)[key]);
    return `${key.padEnd(width)} = ${shown}  (${resolved.origins[key]})`;
  }).join('\n');
}
