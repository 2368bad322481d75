// "Did you mean …" for unknown flags and config keys, and hints for flags other
// servers have that Narwhal spells differently (--port). Pure functions.

/** Levenshtein distance, small inputs only. */
function distance(a: string, b: string): number {
  const row = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    let prev = row[0]!;
    row[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const cur = row[j]!;
      row[j] = Math.min(row[j]! + 1, row[j - 1]! + 1, prev + (a[i - 1] === b[j - 1] ? 0 : 1));
      prev = cur;
    }
  }
  return row[b.length]!;
}

/** The closest candidate, when it is close enough to be a likely typo. */
export function closest(input: string, candidates: Iterable<string>): string | undefined {
  const norm = (s: string) => s.toLowerCase().replace(/[-_]/g, '');
  let best: string | undefined;
  let bestScore = Infinity;
  for (const c of candidates) {
    const d = distance(norm(input), norm(c));
    if (d < bestScore) {
      best = c;
      bestScore = d;
    }
  }
  return best !== undefined && bestScore <= Math.max(2, Math.floor(norm(input).length / 3)) ? best : undefined;
}

export function didYouMean(input: string, candidates: Iterable<string>): string {
  const c = closest(input, candidates);
  return c ? ` (did you mean ${c}?)` : '';
}

/** Flags from other servers (Express generators, pm2, uvicorn) that Narwhal spells as one of its own. */
const FOREIGN_FLAGS: Readonly<Record<string, (value: string | undefined) => string>> = {
  '--port': (v) => `Narwhal takes the port in --bind: --bind 127.0.0.1:${port(v)}, or set PORT=${port(v)} to make the default bind 0.0.0.0:${port(v)}`,
  '--host': (v) => `Narwhal takes the host in --bind: --bind ${v && !v.startsWith('-') ? v : 'HOST'}:PORT`,
  '--listen': () => 'Narwhal names its sockets with --bind HOST:PORT (or set PORT)',
  '--concurrency': () => 'Narwhal counts processes with --workers N (or set WEB_CONCURRENCY)',
  '--instances': () => 'Narwhal counts processes with --workers N (or set WEB_CONCURRENCY)',
  '--processes': () => 'Narwhal counts processes with --workers N (or set WEB_CONCURRENCY)',
  '--watch': () => 'Narwhal reloads on code changes with --reload (or use narwhal dev)',
};

function port(v: string | undefined): string {
  return v && /^\d+$/.test(v) ? v : 'PORT';
}

/** A hint for an unknown flag: a likely typo first, else what that flag means here; '' when neither. */
export function flagHint(input: string, candidates: Iterable<string>, nextArg?: string): string {
  const foreign = FOREIGN_FLAGS[input];
  if (foreign) return `: ${foreign(nextArg)}`;
  return didYouMean(input, candidates);
}
