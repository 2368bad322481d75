// Runs the whole test suite with Node's own test runner: every *.test.ts under
// test/, TypeScript loaded by tsx. Extra arguments narrow the files (substring match).

import { spawnSync } from 'node:child_process';
import { readdirSync, statSync } from 'node:fs';
import path from 'node:path';

const root = path.resolve(import.meta.dirname ?? path.dirname(new URL(import.meta.url).pathname), '..');

function find(dir) {
  return readdirSync(dir).flatMap((name) => {
    const p = path.join(dir, name);
    if (statSync(p).isDirectory()) return name === 'fixtures' ? [] : find(p);
    return name.endsWith('.test.ts') ? [p] : [];
  });
}

const filters = process.argv.slice(2);
const files = find(path.join(root, 'test'))
  // Matched against the path below the repository, so the checkout's own location never matches.
  .filter((f) => filters.length === 0 || filters.some((s) => path.relative(root, f).includes(s)))
  .sort();
if (files.length === 0) {
  console.error('no test files matched');
  process.exit(1);
}
const concurrency = process.env.TEST_CONCURRENCY ?? '2';
// Framework tests build real apps from npm on a cold cache (minutes each): the runner's
// per-file timeout must cover that build, so they run in their own pass with a longer one.
const isFramework = (f) => path.relative(root, f).startsWith(path.join('test', 'integration', 'frameworks') + path.sep);
const passes = [
  { files: files.filter((f) => !isFramework(f)), timeout: 120_000 },
  { files: files.filter(isFramework), timeout: 15 * 60_000 },
].filter((p) => p.files.length);
let status = 0;
for (const pass of passes) {
  const result = spawnSync(
    process.execPath,
    ['--import', 'tsx', '--test', `--test-concurrency=${concurrency}`, `--test-timeout=${pass.timeout}`, ...pass.files.map((f) => path.relative(root, f))],
    { cwd: root, stdio: 'inherit' },
  );
  status ||= result.status ?? 1;
}
process.exit(status);
