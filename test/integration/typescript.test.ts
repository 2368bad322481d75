// Loading TypeScript apps: Node's own type stripping where the Node has it and
// the app needs nothing more (no tsx, no child process), tsx otherwise, said
// once at debug level; --typescript forces either; stacks name the .ts lines.
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, test } from 'node:test';
import { FIXTURES, runNarwhal, startServer } from '../helpers/narwhal.js';
import { request } from '../helpers/http.js';

const app = (name: string) => path.join(FIXTURES, 'typescript', name);
const strips = Boolean((process.features as { typescript?: unknown }).typescript);
const NODE_LINE = /Loading the TypeScript app with Node's own type stripping/g;
const TSX_LINE = /Loading the TypeScript app with tsx/g;
/** Node's stripping turns `(x: number): number` into spaces; a compiler leaves none. */
const STRIPPED = /probe\(x {8}\) {9}\{ return x; \}/;

/** The pids whose parent is `pid`, from /proc. */
function childrenOf(pid: number): number[] {
  const kids: number[] = [];
  for (const d of readdirSync('/proc')) {
    if (!/^\d+$/.test(d)) continue;
    try {
      const stat = readFileSync(`/proc/${d}/stat`, 'utf8');
      if (Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]) === pid) kids.push(Number(d));
    } catch {
      // Gone meanwhile.
    }
  }
  return kids;
}

async function served(url: string): Promise<{ pid: number; source: string }> {
  const r = await request(url);
  assert.equal(r.status, 200, r.body);
  return JSON.parse(r.body) as { pid: number; source: string };
}

describe('TypeScript apps', () => {
  test(strips ? 'a strippable app runs on Node\'s stripping: no tsx, no child process, the right stack line' : 'on a Node without stripping a TypeScript app runs through tsx', async () => {
    const s = await startServer([app('strippable.ts'), '--workers', '2'], { workers: 2 });
    try {
      const body = await served(s.url);
      if (strips) {
        assert.match(body.source, STRIPPED, 'the code V8 runs is the file with its types blanked out');
        assert.equal(s.count(NODE_LINE), 2, `said once per worker:\n${s.output}`);
        assert.equal(s.count(TSX_LINE), 0, s.output);
        for (const pid of s.readyPids()) assert.deepEqual(childrenOf(pid), [], `worker ${pid} started no process`);
      } else {
        assert.doesNotMatch(body.source, STRIPPED);
        assert.match(s.output, /Loading the TypeScript app with tsx \(Node v20[^)]* does not strip types\)/);
      }
      assert.equal((await request(`${s.url}/throw`)).status, 500);
      // The stack names the line of the throw in the .ts file, in either loader.
      await s.waitForLog(/Error: thrown at line 12 of strippable\.ts\n\s+at \S*fetch \S*strippable\.ts:12:\d+/);
    } finally {
      await s.stop();
    }
  });

  test('an app with an enum falls back to tsx by itself, says why once at debug level, and keeps its stack lines', async () => {
    const s = await startServer([app('with-enum.ts')]);
    try {
      const body = await served(s.url);
      assert.doesNotMatch(body.source, STRIPPED, 'compiled by tsx');
      if (strips) {
        assert.match(s.output, /\[DEBUG\] Loading the TypeScript app with tsx: Node's type stripping cannot run it, as it uses TypeScript that type stripping cannot erase/);
        assert.equal(s.count(NODE_LINE), 0, s.output);
      }
      assert.equal(s.count(TSX_LINE), 1, `said once:\n${s.output}`);
      assert.equal((await request(`${s.url}/throw`)).status, 500);
      await s.waitForLog(/Error: thrown at line 11 of with-enum\.ts \(round\)\n\s+at \S*fetch \S*with-enum\.ts:11:\d+/);
    } finally {
      await s.stop();
    }
  });

  test('--typescript tsx forces tsx on a strippable app', async () => {
    const s = await startServer([app('strippable.ts'), '--typescript', 'tsx']);
    try {
      assert.doesNotMatch((await served(s.url)).source, STRIPPED);
      assert.match(s.output, /Loading the TypeScript app with tsx \(--typescript tsx\)/);
      assert.equal((await request(`${s.url}/throw`)).status, 500);
      await s.waitForLog(/at \S*fetch \S*strippable\.ts:12:\d+/);
    } finally {
      await s.stop();
    }
  });

  test('--typescript node forces Node\'s stripping: no fallback, and a clear error on a Node without it', async () => {
    if (strips) {
      const s = await startServer([app('strippable.ts'), '--typescript', 'node']);
      try {
        assert.match((await served(s.url)).source, STRIPPED);
      } finally {
        await s.stop();
      }
      const r = await runNarwhal([app('with-enum.ts'), '--bind', '127.0.0.1:0', '--typescript', 'node']);
      assert.equal(r.code, 4, r.output);
      assert.match(r.output, /failed to import the app .*with-enum\.ts:default: .*enum is not supported in strip-only mode/);
      assert.doesNotMatch(r.output, TSX_LINE);
    } else {
      const r = await runNarwhal([app('strippable.ts'), '--bind', '127.0.0.1:0', '--typescript', 'node']);
      assert.equal(r.code, 4, r.output);
      assert.match(r.output, /--typescript node needs a Node\.js that strips types .*this is Node v20[\d.]*: use --typescript auto or tsx/);
    }
  });
});
