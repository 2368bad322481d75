// A clean `npm ci` on the oldest Node that package.json's engines allows prints
// no EBADENGINE warning: every locked package's own engines.node admits the
// Node running the tests, and every runtime dependency admits engines' minimum.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { ROOT } from '../helpers/narwhal.js';

type Version = [number, number, number];
const parse = (v: string): Version => {
  const [a = 0, b = 0, c = 0] = v.replace(/^v/, '').split('.').map((n) => (/^\d+$/.test(n) ? Number(n) : 0));
  return [a, b, c];
};
const cmp = (a: Version, b: Version) => a[0] - b[0] || a[1] - b[1] || a[2] - b[2];

/** The subset of semver ranges the lock file holds: `>=x`, `^x`, `x.x` joined by `||`. */
function admits(range: string, v: Version): boolean {
  return range.split('||').some((alt) =>
    alt.replace(/(>=|<=|>|<|\^)\s+/g, '$1').trim().split(/\s+(?=[>^<=\d])/).every((part) => {
      const m = /^(>=|\^|>|<=|<)?\s*v?([\d.x]+)$/.exec(part.trim());
      if (!m) throw new Error(`unrecognised engines range "${range}"`);
      const want = parse(m[2]!);
      if (m[1] === '>=') return cmp(v, want) >= 0;
      if (m[1] === '>') return cmp(v, want) > 0;
      if (m[1] === '<') return cmp(v, want) < 0;
      if (m[1] === '<=') return cmp(v, want) <= 0;
      return v[0] === want[0] && cmp(v, want) >= 0;
    }),
  );
}

const pkg = JSON.parse(readFileSync(path.join(ROOT, 'package.json'), 'utf8')) as { engines: { node: string } };
const lock = JSON.parse(readFileSync(path.join(ROOT, 'package-lock.json'), 'utf8')) as { packages: Record<string, { engines?: { node?: string } | string[]; dev?: boolean }> };
const locked = Object.entries(lock.packages).filter(([name, p]) => name && p.engines && !Array.isArray(p.engines) && p.engines.node);

test('every locked package admits this Node (no EBADENGINE on npm ci)', () => {
  const here = parse(process.version);
  assert.ok(locked.length > 20);
  assert.deepEqual(locked.filter(([, p]) => !admits((p.engines as { node: string }).node, here)).map(([n, p]) => `${n}: ${(p.engines as { node: string }).node}`), []);
});

test('every runtime dependency admits the oldest Node that engines allows', () => {
  const oldest = parse(/^>=\s*([\d.]+)$/.exec(pkg.engines.node)![1]!);
  assert.deepEqual(locked.filter(([, p]) => !p.dev && !admits((p.engines as { node: string }).node, oldest)).map(([n]) => n), []);
});
