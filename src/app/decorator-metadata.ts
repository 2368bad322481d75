// Refuses a TypeScript app whose tsconfig asks for decorator metadata: tsx
// (esbuild) and Node's type stripping never emit it, so NestJS-style injection
// would get undefined at the first request. Used by loader.ts, wherever the app loads.

import { existsSync, readFileSync } from '../node-fs.js';
import path from 'node:path';
import { NarwhalError } from '../errors.js';

/** The tsconfig.json nearest to `file`, up to the first directory holding a package.json. */
function nearestTsconfig(file: string): string | null {
  for (let dir = path.dirname(file); ; dir = path.dirname(dir)) {
    const candidate = path.join(dir, 'tsconfig.json');
    if (existsSync(candidate)) return candidate;
    if (existsSync(path.join(dir, 'package.json')) || path.dirname(dir) === dir) return null;
  }
}

/** tsconfig is JSON with comments; only this one option is read, so a pattern over the text without comments does. */
function setsDecoratorMetadata(text: string): boolean {
  const bare = text.replace(/\/\*[\s\S]*?\*\//g, '').replace(/(^|[^:"'])\/\/.*$/gm, '$1');
  return /"emitDecoratorMetadata"\s*:\s*true\b/.test(bare);
}

export function refuseWithoutDecoratorMetadata(file: string, shown: string, cwd: string): void {
  const tsconfig = nearestTsconfig(file);
  if (!tsconfig || !setsDecoratorMetadata(readFileSync(tsconfig, 'utf8'))) return;
  throw new NarwhalError(
    'APP_LOAD',
    `${path.relative(cwd, tsconfig) || 'tsconfig.json'} sets emitDecoratorMetadata, which Narwhal's TypeScript loading (tsx, Node's type stripping) cannot emit, so dependency injection (NestJS, TypeORM) would get undefined: compile the app with tsc (npm run build) and run the output, as in narwhal dist/main.js, not ${shown}`,
  );
}
