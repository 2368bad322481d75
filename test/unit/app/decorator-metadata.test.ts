import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import { refuseWithoutDecoratorMetadata } from '../../../src/app/decorator-metadata.js';

test('a TypeScript app whose tsconfig sets emitDecoratorMetadata is refused; a commented-out one is not', () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'narwhal-dm-'));
  try {
    mkdirSync(path.join(dir, 'src'));
    writeFileSync(path.join(dir, 'package.json'), '{}');
    const app = path.join(dir, 'src/main.ts');
    writeFileSync(path.join(dir, 'tsconfig.json'), '{\n  // "emitDecoratorMetadata": true,\n  "compilerOptions": { /* "emitDecoratorMetadata": true */ "$schema": "https://x//y" }\n}');
    assert.doesNotThrow(() => refuseWithoutDecoratorMetadata(app, 'src/main.ts', dir));
    writeFileSync(path.join(dir, 'tsconfig.json'), '{\n  "compilerOptions": {\n    "experimentalDecorators": true,\n    "emitDecoratorMetadata": true, // Nest\n  },\n}');
    assert.throws(() => refuseWithoutDecoratorMetadata(app, 'src/main.ts', dir), /tsconfig\.json sets emitDecoratorMetadata, .*narwhal dist\/main\.js, not src\/main\.ts$/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
