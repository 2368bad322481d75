// The framework entry files shipped in examples/frameworks/ are the ones the
// framework tests build and serve (test/fixtures/frameworks/): they must not drift.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { ROOT } from '../helpers/narwhal.js';

const SHIPPED: Record<string, string> = {
  'react-router/fetch-entry.js': 'react-router/fetch-entry.js',
  'react-router/node-entry.js': 'react-router/node-entry.js',
  'nestjs/instance.ts': 'nestjs/src/instance.ts',
  'next/custom-handler.mjs': 'next/custom-handler.mjs',
};

for (const [example, fixture] of Object.entries(SHIPPED)) {
  test(`examples/frameworks/${example} is the tested test/fixtures/frameworks/${fixture}`, () => {
    const read = (p: string) => readFileSync(path.join(ROOT, p), 'utf8');
    assert.equal(read(`examples/frameworks/${example}`), read(`test/fixtures/frameworks/${fixture}`));
  });
}

test('examples/frameworks/README.md names every shipped entry file', () => {
  const readme = readFileSync(path.join(ROOT, 'examples/frameworks/README.md'), 'utf8');
  for (const example of Object.keys(SHIPPED)) assert.ok(readme.includes(`\`${example}\``), example);
});
