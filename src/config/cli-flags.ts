// Turns an argument list (the command line, or NARWHAL_CMD_ARGS split into
// words) into raw setting values, using the flags named in the settings table.
// Pure: no process state. Errors are one-line NarwhalErrors (exit code 2).

import { NarwhalError } from '../errors.js';
import { SETTING_KEYS, type SettingKey, settingOf } from './settings.js';
import { InvalidValue, invalid } from './value-types.js';
import { flagHint } from './suggest.js';

export interface ParsedArgs {
  /** Parsed values, keyed by setting; repeatable settings already merged. */
  readonly values: Partial<Record<SettingKey, unknown>>;
  readonly positionals: readonly string[];
  readonly help: boolean;
  /** `--help-all`: every flag, not only the common ones. */
  readonly helpAll: boolean;
  readonly version: boolean;
}

interface FlagInfo {
  key: SettingKey;
  negated: boolean;
}

/** Every flag spelling -> the setting it sets. Built once from the table. */
function buildFlagIndex(): Map<string, FlagInfo> {
  const index = new Map<string, FlagInfo>();
  for (const key of SETTING_KEYS) {
    const s = settingOf(key);
    for (const f of s.cli) {
      index.set(f, { key, negated: false });
      if (f.startsWith('--') && f.includes('_')) index.set(f.replace(/_/g, '-'), { key, negated: false });
      if (f.startsWith('--') && s.type.isFlag) index.set(`--no-${f.slice(2)}`, { key, negated: true });
    }
  }
  return index;
}

const FLAGS = buildFlagIndex();
/** Gunicorn spells one flag with an underscore; both spellings work. */
export const FLAG_NAMES: readonly string[] = [...FLAGS.keys(), '--help', '--help-all', '-h', '--version', '-v'];

export function parseArgs(argv: readonly string[], source = 'the command line'): ParsedArgs {
  const values: Partial<Record<SettingKey, unknown>> = {};
  const positionals: string[] = [];
  let help = false;
  let helpAll = false;
  let version = false;

  const store = (key: SettingKey, raw: string, spelled: string) => {
    const { type } = settingOf(key);
    try {
      values[key] = type.append ? type.append(values[key], raw) : type.fromString(raw);
    } catch (e) {
      if (e instanceof InvalidValue) throw invalid(`${spelled} (from ${source})`, raw, e);
      throw e;
    }
  };

  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if (arg === '--') {
      positionals.push(...argv.slice(i + 1));
      break;
    }
    if (arg === '-h' || arg === '--help' || arg === '--help-all') {
      help = true;
      helpAll ||= arg === '--help-all';
      continue;
    }
    if (arg === '-v' || arg === '--version') {
      version = true;
      continue;
    }
    if (!arg.startsWith('-') || arg === '-') {
      positionals.push(arg);
      continue;
    }
    let name = arg;
    let inline: string | undefined;
    if (arg.startsWith('--')) {
      const eq = arg.indexOf('=');
      if (eq > 0) {
        name = arg.slice(0, eq);
        inline = arg.slice(eq + 1);
      }
    } else if (arg.length > 2) {
      // A short flag with its value attached: -w4, -b:8000.
      name = arg.slice(0, 2);
      inline = arg.slice(2);
    }
    const info = FLAGS.get(name);
    if (!info) {
      throw new NarwhalError('USAGE', `unknown option ${name} in ${source}${flagHint(name, FLAG_NAMES, inline ?? argv[i + 1])}; see narwhal --help`);
    }
    const s = settingOf(info.key);
    if (s.type.isFlag) {
      if (inline !== undefined) store(info.key, inline, name);
      else values[info.key] = !info.negated;
      continue;
    }
    let raw = inline;
    if (raw === undefined && s.type.implied !== undefined && !acceptsValue(s.type, argv[i + 1])) {
      raw = s.type.implied;
    }
    if (raw === undefined) {
      if (i + 1 >= argv.length) throw new NarwhalError('USAGE', `option ${name} needs a value (${s.type.metavar}) in ${source}`);
      raw = argv[++i]!;
    }
    store(info.key, raw, name);
  }
  return { values, positionals, help, helpAll, version };
}

/** Whether `next` is a value for a flag that may also stand alone. */
function acceptsValue(type: { fromString(raw: string): unknown }, next: string | undefined): boolean {
  if (next === undefined || next.startsWith('-')) return false;
  try {
    type.fromString(next);
    return true;
  } catch {
    return false;
  }
}

/** Splits NARWHAL_CMD_ARGS into words the way a POSIX shell would (quotes, backslashes). */
export function splitWords(text: string): string[] {
  const words: string[] = [];
  let cur = '';
  let inWord = false;
  let quote: '"' | "'" | null = null;
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!;
    if (quote === "'") {
      if (c === "'") quote = null;
      else cur += c;
    } else if (quote === '"') {
      if (c === '"') quote = null;
      else if (c === '\\' && i + 1 < text.length && '"\\$`'.includes(text[i + 1]!)) cur += text[++i];
      else cur += c;
    } else if (c === '"' || c === "'") {
      quote = c;
      inWord = true;
    } else if (c === '\\' && i + 1 < text.length) {
      cur += text[++i];
      inWord = true;
    } else if (/\s/.test(c)) {
      if (inWord) words.push(cur);
      cur = '';
      inWord = false;
    } else {
      cur += c;
      inWord = true;
    }
  }
  if (quote) throw new NarwhalError('USAGE', `unterminated ${quote} quote in NARWHAL_CMD_ARGS`);
  if (inWord) words.push(cur);
  return words;
}
