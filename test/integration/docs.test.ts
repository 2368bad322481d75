// The docs' promise: every shell block in docs/ is run here or says it is not.
// Blocks marked `<!-- test: KIND -->` are run against the built narwhal in a
// temp dir holding the docs' own `<!-- file: NAME -->` blocks, with `narwhal`
// installed as an app would have it (node_modules/narwhal-server). quick-start.md
// is followed literally by quick-start.test.ts instead. The Gunicorn
// migration table is checked against the settings table.

import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, describe, test } from 'node:test';
import { splitWords } from '../../src/config/cli-flags.js';
import { SETTINGS } from '../../src/config/settings.js';
import { BIN, ROOT } from '../helpers/narwhal.js';

const DOCS = path.join(ROOT, 'docs');
const GENERATED = new Set(['settings.md']);
/** Run in order, as written, against the packed tarball by quick-start.test.ts. */
const LITERAL = new Set(['quick-start.md']);

interface Block {
  readonly lang: string;
  readonly marker: string | null;
  readonly text: string;
  readonly line: number;
}

function blocksOf(markdown: string): Block[] {
  const lines = markdown.split('\n');
  const blocks: Block[] = [];
  for (let i = 0; i < lines.length; i++) {
    const open = /^```(\w*)\s*$/.exec(lines[i]!);
    if (!open) continue;
    let end = i + 1;
    while (end < lines.length && lines[end] !== '```') end++;
    let before = i - 1;
    while (before >= 0 && lines[before]!.trim() === '') before--;
    const marker = before >= 0 ? /^<!-- (.*) -->$/.exec(lines[before]!.trim())?.[1] ?? null : null;
    blocks.push({ lang: open[1]!, marker, text: lines.slice(i + 1, end).join('\n'), line: i + 1 });
    i = end;
  }
  return blocks;
}

const docFiles = readdirSync(DOCS).filter((f) => f.endsWith('.md') && !GENERATED.has(f));

/** A directory with the doc's files and `narwhal` installed the way an app has it. */
function workspace(blocks: Block[]): string {
  const dir = mkdtempSync(path.join(tmpdir(), 'narwhal-docs-'));
  mkdirSync(path.join(dir, 'node_modules'));
  symlinkSync(ROOT, path.join(dir, 'node_modules/narwhal-server'), 'dir');
  for (const b of blocks) {
    const name = /^file: (\S+)$/.exec(b.marker ?? '')?.[1];
    if (name) writeFileSync(path.join(dir, name), `${b.text}\n`);
  }
  after(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

/** `npx narwhal a b` / `narwhal a b` -> ['a', 'b']; null for other commands. */
function narwhalArgs(line: string): string[] | null {
  const words = splitWords(line.replace(/\s+#.*$/, ''));
  if (words[0] === 'npx') words.shift();
  return words[0] === 'narwhal' ? words.slice(1) : null;
}

function runNarwhal(dir: string, args: string[]) {
  return spawnSync(process.execPath, [BIN, ...args], { cwd: dir, encoding: 'utf8', timeout: 30_000, env: { ...process.env, NARWHAL_CMD_ARGS: '', PORT: '', WEB_CONCURRENCY: '', FORWARDED_ALLOW_IPS: '' } });
}

test('every shell block in docs/ is run by a test or marked as not run here', () => {
  const unmarked: string[] = [];
  for (const f of docFiles) {
    for (const b of blocksOf(readFileSync(path.join(DOCS, f), 'utf8'))) {
      // A block without a language could hide a command from this check.
      if (b.lang === '') unmarked.push(`${f}:${b.line} (give the block a language: sh, text, ts, ...)`);
      if (b.lang !== 'sh') continue;
      if (!b.marker || !/^(test: (flags|check-config|serve|install|request)|not run here: .+)$/.test(b.marker)) unmarked.push(`${f}:${b.line}`);
    }
  }
  assert.deepEqual(unmarked, []);
});

for (const f of docFiles) {
  const blocks = blocksOf(readFileSync(path.join(DOCS, f), 'utf8'));
  const runnable = blocks.filter((b) => b.lang === 'sh' && b.marker?.startsWith('test: '));
  if (runnable.length === 0 || LITERAL.has(f)) continue;
  describe(`docs/${f}`, () => {
    const dir = workspace(blocks);
    for (const b of runnable) {
      const kind = b.marker!.slice('test: '.length);
      const lines = b.text.split('\n').filter((l) => l.trim() && !l.trimStart().startsWith('#'));
      test(`line ${b.line} (${kind}): ${lines[0]}`, async () => {
        if (kind === 'flags' || kind === 'check-config') {
          for (const line of lines) {
            const args = narwhalArgs(line);
            assert.ok(args, `not a narwhal command: ${line}`);
            // flags: every flag is valid (nothing is bound, no app needed); check-config: exactly as written.
            const r = runNarwhal(dir, kind === 'flags' ? [...args, '--print-config'] : args);
            assert.equal(r.status, 0, `${line}\n${r.stdout}${r.stderr}`);
            if (args.includes('--check-config')) assert.match(r.stdout, /config OK/);
          }
          return;
        }
        assert.fail(`test: ${kind} blocks run only in docs followed literally (${[...LITERAL].join(', ')}); use flags or check-config`);
      });
    }
  });
}

describe('docs/migrating-from-gunicorn.md flag table', () => {
  const narwhalFlags = new Set(Object.values(SETTINGS).flatMap((s) => [...s.cli]));
  const rows = readFileSync(path.join(DOCS, 'migrating-from-gunicorn.md'), 'utf8')
    .split('\n')
    .filter((l) => /^\| `/.test(l) || /^\| — \|/.test(l) || /^\| server hooks/.test(l))
    .map((l) => l.split('|').slice(1, -1).map((c) => c.trim()));
  const flagsIn = (cell: string) => [...cell.matchAll(/`(-{1,2}[\w-]+)`/g)].map((m) => m[1]!);

  test('every Narwhal flag it names exists', () => {
    assert.ok(rows.length > 30, `found ${rows.length} rows`);
    const missing = rows.flatMap(([, narwhal]) => flagsIn(narwhal!).filter((f) => !narwhalFlags.has(f)));
    assert.deepEqual(missing, []);
  });

  test('no Gunicorn flag is called missing ("not yet", —) once Narwhal has it: update the row', () => {
    const stale = rows.filter(([, narwhal]) => !flagsIn(narwhal!).length).flatMap(([gunicorn]) => flagsIn(gunicorn!).filter((f) => narwhalFlags.has(f)));
    assert.deepEqual(stale, []);
  });
});

test('README says what `npm start` runs, as package.json has it', () => {
  const readme = readFileSync(path.join(ROOT, 'README.md'), 'utf8');
  const start = (JSON.parse(readFileSync(path.join(ROOT, 'package.json'), 'utf8')) as { scripts: { start: string } }).scripts.start;
  const said = /\(`npm start` runs `narwhal ([^`]+)`/.exec(readme)?.[1];
  assert.equal(`node dist/bin/narwhal.js ${said}`, start);
});
