// The shape of one row of the settings table, and its sections. Split from
// settings.ts so the table's parts (settings-*.ts) can share it without a cycle.

import type { ValueType } from './value-types.js';

export const SECTIONS = [
  'Config',
  'Debugging',
  'Server socket',
  'Worker processes',
  'Security',
  'SSL',
  'Server mechanics',
  'Logging',
  'Process naming',
  'Server hooks',
] as const;
export type Section = (typeof SECTIONS)[number];

/** What the environment can contribute to defaults; read only by config/env.ts. */
export interface EnvDefaults {
  readonly PORT?: string | undefined;
  readonly WEB_CONCURRENCY?: string | undefined;
  readonly FORWARDED_ALLOW_IPS?: string | undefined;
}

export interface Setting<T> {
  /** Gunicorn's setting name where Gunicorn has one (snake_case). */
  readonly name: string;
  readonly section: Section;
  /** Command-line forms, short first; empty for config-file-only settings. */
  readonly cli: readonly string[];
  readonly type: ValueType<T>;
  readonly default: NoInfer<T>;
  /** A default taken from the environment when set (WEB_CONCURRENCY, PORT). */
  readonly envDefault?: (env: EnvDefaults) => string | undefined;
  /** Other config-file keys accepted for this setting. */
  readonly aliases?: readonly string[];
  /** Only meaningful on the command line (`--check-config`): never in a file. */
  readonly cliOnly?: boolean;
  readonly summary: string;
  readonly docs: string;
}

export const setting = <T>(s: Setting<T>): Setting<T> => s;
