// The access log: Gunicorn's `--access-logformat` atoms compiled once into a
// function, and the sink it writes to. Created by the worker; the HTTP layer
// hands it one record per finished request.

import { envVar } from '../config/env.js';
import type { LogSink } from './logger.js';

export interface AccessRecord {
  readonly remoteAddress: string;
  readonly method: string;
  /** Path and query, as sent. */
  readonly target: string;
  readonly httpVersion: string;
  readonly status: number;
  readonly bodyBytes: number;
  readonly startedAt: number;
  /** Elapsed time in nanoseconds. */
  readonly durationNs: bigint;
  requestHeader(name: string): string | undefined;
  responseHeader(name: string): string | undefined;
}

type Atom = (r: AccessRecord) => string;

const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

/** Apache's `[25/Nov/2026:03:04:05 +0000]`, as Gunicorn's `t`. */
function apacheTime(ms: number): string {
  const d = new Date(ms);
  const p = (n: number) => String(n).padStart(2, '0');
  const off = -d.getTimezoneOffset();
  const abs = Math.abs(off);
  return `[${p(d.getDate())}/${MONTHS[d.getMonth()]}/${d.getFullYear()}:${p(d.getHours())}:${p(d.getMinutes())}:${p(d.getSeconds())} ${off >= 0 ? '+' : '-'}${p(Math.floor(abs / 60))}${p(abs % 60)}]`;
}

function basicAuthUser(r: AccessRecord): string {
  const auth = r.requestHeader('authorization');
  if (!auth || !/^basic /i.test(auth)) return '-';
  const decoded = Buffer.from(auth.slice(6).trim(), 'base64').toString('utf8');
  const i = decoded.indexOf(':');
  return i > 0 ? decoded.slice(0, i) : '-';
}

const orDash = (v: string | undefined) => (v === undefined || v === '' ? '-' : v);

const ATOMS: Record<string, Atom> = {
  h: (r) => r.remoteAddress || '-',
  l: () => '-',
  u: basicAuthUser,
  t: (r) => apacheTime(r.startedAt),
  r: (r) => `${r.method} ${r.target} HTTP/${r.httpVersion}`,
  m: (r) => r.method,
  U: (r) => r.target.split('?', 1)[0]!,
  q: (r) => {
    const i = r.target.indexOf('?');
    return i < 0 ? '' : r.target.slice(i + 1);
  },
  H: (r) => `HTTP/${r.httpVersion}`,
  s: (r) => String(r.status),
  B: (r) => String(r.bodyBytes),
  b: (r) => (r.bodyBytes > 0 ? String(r.bodyBytes) : '-'),
  f: (r) => orDash(r.requestHeader('referer')),
  a: (r) => orDash(r.requestHeader('user-agent')),
  T: (r) => String(r.durationNs / 1_000_000_000n),
  D: (r) => String(r.durationNs / 1000n),
  M: (r) => String(r.durationNs / 1_000_000n),
  L: (r) => (Number(r.durationNs) / 1e9).toFixed(6),
  p: () => `<${process.pid}>`,
};

/** Compiles `%(h)s %({x-real-ip}i)s ...` into one function, once. */
export function compileAccessFormat(format: string): (r: AccessRecord) => string {
  const parts: (string | Atom)[] = [];
  const re = /%\(([^)]+)\)s/g;
  let last = 0;
  for (let m = re.exec(format); m; m = re.exec(format)) {
    if (m.index > last) parts.push(format.slice(last, m.index));
    parts.push(atomFor(m[1]!));
    last = m.index + m[0].length;
  }
  if (last < format.length) parts.push(format.slice(last));
  return (r) => {
    let out = '';
    for (const p of parts) out += typeof p === 'string' ? p : p(r);
    return out;
  };
}

function atomFor(name: string): Atom {
  const braced = /^\{([^}]+)\}([ioe])$/.exec(name);
  if (braced) {
    const key = braced[1]!;
    const lower = key.toLowerCase();
    if (braced[2] === 'i') return (r) => orDash(r.requestHeader(lower));
    if (braced[2] === 'o') return (r) => orDash(r.responseHeader(lower));
    return () => orDash(envVar(key));
  }
  const atom = ATOMS[name];
  return atom ?? (() => '-');
}

/** Anything told of each finished request: the text or JSON log, syslog, statsd. */
export interface AccessSink {
  write(record: AccessRecord): void;
  /** Reopens its file after rotation; an error when it could not (the old file is kept). */
  reopen?(): Error | null;
  /** The file it writes to, for messages. */
  readonly target?: string;
}

export class AccessLog implements AccessSink {
  readonly #sink: LogSink;
  readonly #format: (r: AccessRecord) => string;

  constructor(sink: LogSink, format: string) {
    this.#sink = sink;
    this.#format = compileAccessFormat(format);
  }

  write(record: AccessRecord): void {
    this.#sink.write(`${this.#format(record)}\n`);
  }

  reopen(): Error | null {
    return this.#sink.reopen();
  }

  get target(): string {
    return this.#sink.target;
  }
}
