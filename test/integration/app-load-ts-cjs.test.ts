// A TypeScript app outside a "type": "module" package (a fresh `npm init`
// directory) is compiled to CommonJS by tsx; its `export default` must still
// be found as the app.

import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import { BIN } from '../helpers/narwhal.js';

test('export default from a .ts app in a package without "type": "module"', () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'narwhal-cjs-ts-'));
  try {
    writeFileSync(path.join(dir, 'package.json'), '{ "name": "fresh", "version": "1.0.0" }\n');
    writeFileSync(path.join(dir, 'app.ts'), "export default { fetch: (request: Request): Response => new Response('ok') };\n");
    writeFileSync(path.join(dir, 'named.ts'), "export const app = { fetch: (request: Request): Response => new Response('ok') };\n");
    for (const spec of ['app.ts', 'named.ts:app']) {
      const r = spawnSync(process.execPath, [BIN, spec, '--check-config'], { cwd: dir, encoding: 'utf8', env: { ...process.env, TSX_DISABLE_CACHE: '1', NARWHAL_CMD_ARGS: '' } });
      assert.equal(r.status, 0, r.stderr);
      assert.match(r.stdout, /is fetch-style/);
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
