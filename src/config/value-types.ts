// Setting value types: how a value is parsed from a command-line string and
// checked when it comes from a config file. Pure functions; used by the table
// in settings.ts and nothing else holds state here.

import { isIP } from 'node:net';
import { NarwhalError } from '../errors.js';
import { parseAddress } from './address.js';

/** A value type: `fromString` for the CLI and env, `fromValue` for config files. */
export interface ValueType<T> {
  /** How `--help` and the docs name the argument. */
  readonly metavar: string;
  /** True when the flag takes no argument (`--preload`). */
  readonly isFlag?: boolean;
  fromString(raw: string): T;
  fromValue(raw: unknown): T;
  /** For repeatable flags (`-b`, `-e`): adds one occurrence to what came before. */
  append?(prev: T | undefined, raw: string): T;
  /** How the value prints in `--print-config` and the docs. */
  show(value: T): string;
  /** The value a bare flag means when no value follows it (`--proxy-protocol`). */
  readonly implied?: string;
}

export class InvalidValue extends Error {}

const bad = (msg: string): never => {
  throw new InvalidValue(msg);
};

export const int = (opts: { min?: number; max?: number } = {}): ValueType<number> => {
  const check = (n: number): number => {
    if (!Number.isSafeInteger(n)) bad('must be a whole number');
    if (opts.min !== undefined && n < opts.min) bad(`must be at least ${opts.min}`);
    if (opts.max !== undefined && n > opts.max) bad(`must be at most ${opts.max}`);
    return n;
  };
  return {
    metavar: 'INT',
    fromString: (raw) => (/^[+-]?\d+$/.test(raw.trim()) ? check(Number(raw)) : bad('must be a whole number')),
    fromValue: (raw) => (typeof raw === 'number' ? check(raw) : typeof raw === 'string' ? int(opts).fromString(raw) : bad('must be a whole number')),
    show: String,
  };
};

/** A duration in seconds (fractions allowed). */
export const seconds = (opts: { min?: number } = {}): ValueType<number> => {
  const check = (n: number): number => {
    if (!Number.isFinite(n)) bad('must be a number of seconds');
    if (n < (opts.min ?? 0)) bad(`must be at least ${opts.min ?? 0}`);
    return n;
  };
  return {
    metavar: 'SECONDS',
    fromString: (raw) => (/^\d+(\.\d+)?$/.test(raw.trim()) ? check(Number(raw)) : bad('must be a number of seconds')),
    fromValue: (raw) => (typeof raw === 'number' ? check(raw) : typeof raw === 'string' ? seconds(opts).fromString(raw) : bad('must be a number of seconds')),
    show: String,
  };
};

export const flag: ValueType<boolean> = {
  metavar: '',
  isFlag: true,
  fromString: (raw) => {
    const v = raw.trim().toLowerCase();
    if (['1', 'true', 'yes', 'on'].includes(v)) return true;
    if (['0', 'false', 'no', 'off'].includes(v)) return false;
    return bad('must be true or false');
  },
  fromValue: (raw) => (typeof raw === 'boolean' ? raw : typeof raw === 'string' ? flag.fromString(raw) : bad('must be true or false')),
  show: String,
};

export const str = (metavar = 'STRING'): ValueType<string> => ({
  metavar,
  fromString: (raw) => raw,
  fromValue: (raw) => (typeof raw === 'string' ? raw : bad('must be a string')),
  show: (v) => v,
});

export const optionalStr = (metavar = 'STRING'): ValueType<string | null> => ({
  metavar,
  fromString: (raw) => raw,
  fromValue: (raw) => (raw === null || raw === undefined ? null : typeof raw === 'string' ? raw : bad('must be a string or null')),
  show: (v) => (v === null ? '(none)' : v),
});

export const choice = <const C extends string>(choices: readonly C[]): ValueType<C> => {
  const check = (raw: string): C => {
    const v = raw.trim().toLowerCase();
    return (choices as readonly string[]).includes(v) ? (v as C) : bad(`must be one of ${choices.join(', ')}`);
  };
  return {
    metavar: choices.join('|'),
    fromString: check,
    fromValue: (raw) => (typeof raw === 'string' ? check(raw) : bad(`must be one of ${choices.join(', ')}`)),
    show: (v) => v,
  };
};

/** Checks one `--forwarded-allow-ips` entry: an address, a CIDR network or `*`. */
function trustEntry(entry: string): string {
  if (entry === '*') return entry;
  const [ip, bits, extra] = entry.split('/');
  const family = isIP(ip ?? '');
  if (family === 0 || extra !== undefined) return bad(`"${entry}" is not an IP address, a CIDR network or *`);
  const n = bits === undefined ? 0 : /^\d{1,3}$/.test(bits) ? Number(bits) : NaN;
  return n >= 0 && n <= (family === 4 ? 32 : 128) ? entry : bad(`"${entry}" has a bad prefix length`);
}

/** Comma-separated IP addresses, CIDR networks or `*` (--forwarded-allow-ips); repeating the flag adds more. */
export const trustList: ValueType<readonly string[]> = (() => {
  const parse = (raw: string): string[] => raw.split(',').map((s) => s.trim()).filter((s) => s !== '').map(trustEntry);
  return {
    metavar: 'STRING',
    fromString: parse,
    append: (prev, raw) => [...(prev ?? []), ...parse(raw)],
    fromValue: (raw) => (typeof raw === 'string' ? parse(raw) : Array.isArray(raw) && raw.every((v) => typeof v === 'string') ? parse(raw.join(',')) : bad('must be a string or a list of strings')),
    show: (v) => v.join(','),
  };
})();

/** A URL path such as `/healthz`, or null for off. */
export const optionalUrlPath: ValueType<string | null> = {
  metavar: 'PATH',
  fromString: (raw) => (/^\/[^\s?#]*$/.test(raw.trim()) ? raw.trim() : bad('must be a path starting with / (no query)')),
  fromValue: (raw) => (raw === null || raw === undefined ? null : typeof raw === 'string' ? optionalUrlPath.fromString(raw) : bad('must be a path string or null')),
  show: (v) => (v === null ? '(none)' : v),
};

/** A file mode mask such as 0o22, given as "022", "0o22", "0x12" or a number. */
export const octal: ValueType<number> = {
  metavar: 'INT',
  fromString: (raw) => {
    const v = raw.trim();
    let n = NaN;
    if (/^0[xX][0-9a-fA-F]+$/.test(v)) n = parseInt(v.slice(2), 16);
    else if (/^0[oO]?[0-7]+$/.test(v)) n = parseInt(v.replace(/^0[oO]?/, '') || '0', 8);
    else if (/^[1-9]\d*$/.test(v)) n = parseInt(v, 10);
    else if (v === '0') n = 0;
    if (Number.isNaN(n) || n < 0 || n > 0o777) bad('must be a mode mask such as 0 or 022');
    return n;
  },
  fromValue: (raw) => (typeof raw === 'number' && Number.isInteger(raw) && raw >= 0 && raw <= 0o777 ? raw : typeof raw === 'string' ? octal.fromString(raw) : bad('must be a mode mask such as 0o022')),
  show: (v) => `0o${v.toString(8).padStart(3, '0')}`,
};

/** A repeatable value: every occurrence on the command line adds one item. */
export const list = <T>(item: ValueType<T>): ValueType<readonly T[]> => ({
  metavar: item.metavar,
  append: (prev, raw) => [...(prev ?? []), item.fromString(raw)],
  fromString: (raw) => raw.split(',').map((s) => item.fromString(s.trim())).filter((v) => v !== ''),
  fromValue: (raw) => {
    if (typeof raw === 'string') return [item.fromValue(raw)];
    if (!Array.isArray(raw)) return bad('must be a list');
    return raw.map((v) => item.fromValue(v));
  },
  show: (v) => (v.length === 0 ? '[]' : v.map((x) => item.show(x)).join(', ')),
});

/** A comma-separated list (Gunicorn's `--forwarded-allow-ips 10.0.0.1,10.0.0.2`); repeating the flag adds more. */
export const commaList = (metavar: string): ValueType<readonly string[]> => {
  const split = (raw: string) => raw.split(',').map((s) => s.trim()).filter((s) => s !== '');
  return {
    metavar,
    append: (prev, raw) => [...(prev ?? []), ...split(raw)],
    fromString: split,
    fromValue: (raw) => {
      if (typeof raw === 'string') return split(raw);
      if (Array.isArray(raw) && raw.every((v) => typeof v === 'string')) return raw.flatMap(split);
      return bad('must be a list of strings or a comma-separated string');
    },
    show: (v) => (v.length === 0 ? '[]' : v.join(',')),
  };
};

/** A static-files mount for the dev server: `/prefix=dir`. */
export interface StaticMount {
  readonly prefix: string;
  readonly dir: string;
}

const parseMount = (raw: string): StaticMount => {
  const i = raw.indexOf('=');
  if (i <= 0 || !raw.startsWith('/') || i === raw.length - 1) bad(`"${raw}" is not /PREFIX=DIR`);
  const prefix = raw.slice(0, i).replace(/\/+$/, '');
  return { prefix: prefix === '' ? '/' : prefix, dir: raw.slice(i + 1) };
};

export const staticMount: ValueType<StaticMount> = {
  metavar: '/PREFIX=DIR',
  fromString: parseMount,
  fromValue: (raw) =>
    typeof raw === 'string'
      ? parseMount(raw)
      : raw && typeof raw === 'object' && typeof (raw as StaticMount).prefix === 'string' && typeof (raw as StaticMount).dir === 'string'
        ? parseMount(`${(raw as StaticMount).prefix}=${(raw as StaticMount).dir}`)
        : bad('must be "/prefix=dir" or { prefix, dir }'),
  show: (v) => `${v.prefix}=${v.dir}`,
};

/** `KEY=VALUE` pairs (`-e`), or an object in a config file. */
const keyValue = (raw: unknown): [string, string] => {
  if (typeof raw !== 'string') return bad('must be KEY=VALUE');
  const i = raw.indexOf('=');
  if (i <= 0) return bad(`"${raw}" is not KEY=VALUE`);
  return [raw.slice(0, i), raw.slice(i + 1)];
};

export const keyValues: ValueType<Readonly<Record<string, string>>> = {
  metavar: 'KEY=VALUE',
  fromString: (raw) => Object.fromEntries([keyValue(raw)]),
  append: (prev, raw) => ({ ...prev, ...Object.fromEntries([keyValue(raw)]) }),
  fromValue: (raw) => {
    if (Array.isArray(raw)) return Object.fromEntries(raw.map(keyValue));
    if (raw && typeof raw === 'object') {
      const out: Record<string, string> = {};
      for (const [k, v] of Object.entries(raw)) out[k] = String(v);
      return out;
    }
    return bad('must be an object of strings or a list of "KEY=VALUE"');
  },
  show: (v) => {
    const entries = Object.entries(v);
    return entries.length === 0 ? '{}' : entries.map(([k, val]) => `${k}=${val}`).join(', ');
  },
};

/** A function in a config file (server hooks). Never given on the command line. */
export const hook = <F extends (...args: never[]) => unknown>(): ValueType<F | null> => ({
  metavar: 'FUNCTION',
  fromString: () => bad('can only be set in a config file'),
  fromValue: (raw) => (raw === null || raw === undefined ? null : typeof raw === 'function' ? (raw as F) : bad('must be a function')),
  show: (v) => (v ? `[function ${v.name || 'anonymous'}]` : '(none)'),
});

/** Turns an InvalidValue into the one-line error the user sees. */
export function invalid(what: string, raw: unknown, err: unknown): NarwhalError {
  const reason = err instanceof Error ? err.message : String(err);
  const shown = typeof raw === 'string' ? `"${raw}"` : typeof raw === 'function' ? 'a function' : JSON.stringify(raw);
  return new NarwhalError('CONFIG', `invalid value ${shown} for ${what}: ${reason}`);
}

/** A bind address, kept as written once it parses. */
export const address: ValueType<string> = {
  metavar: 'ADDRESS',
  fromString: (raw) => {
    try {
      parseAddress(raw);
    } catch (e) {
      bad((e as Error).message);
    }
    return raw.trim();
  },
  fromValue: (raw) => (typeof raw === 'string' ? address.fromString(raw) : typeof raw === 'number' ? address.fromString(String(raw)) : bad('must be an address string')),
  show: (v) => v,
};

/** Like `keyValues`, with the keys upper-cased (header names). */
export const upperKeyValues: ValueType<Readonly<Record<string, string>>> = {
  ...keyValues,
  fromString: (raw) => upperKeys(keyValues.fromString(raw)),
  append: (prev, raw) => ({ ...prev, ...upperKeys(keyValues.fromString(raw)) }),
  fromValue: (raw) => upperKeys(keyValues.fromValue(raw)),
};

function upperKeys(v: Readonly<Record<string, string>>): Record<string, string> {
  return Object.fromEntries(Object.entries(v).map(([k, val]) => [k.toUpperCase(), val]));
}

/**
 * A value that may also be given as a bare flag (meaning `implied`) or, in a
 * config file, as a boolean mapped through `booleans` (Gunicorn's older
 * `proxy_protocol = True`).
 */
export const withImpliedValue = <T>(type: ValueType<T>, implied: string, booleans: { true: string; false: string }): ValueType<T> => ({
  ...type,
  implied,
  fromString: (raw) => {
    const v = raw.trim().toLowerCase();
    if (['true', 'yes', 'on', '1'].includes(v)) return type.fromString(booleans.true);
    if (['false', 'no', '0'].includes(v)) return type.fromString(booleans.false);
    return type.fromString(raw);
  },
  fromValue: (raw) => (typeof raw === 'boolean' ? type.fromString(raw ? booleans.true : booleans.false) : type.fromValue(raw)),
});
