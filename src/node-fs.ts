// node:fs, loaded with require. An ESM import of a built-in reads every one of
// its exports, and node:fs's `promises` getter loads fs/promises, readline and
// their streams in every process that imports it, though nothing here uses
// them. Imported instead of node:fs by every file; runs in any process.

import { createRequire } from 'node:module';

const fs = createRequire(import.meta.url)('node:fs') as typeof import('node:fs');

export type { FSWatcher, Stats } from 'node:fs';
export const {
  accessSync,
  chmodSync,
  closeSync,
  constants,
  createReadStream,
  existsSync,
  fstatSync,
  futimesSync,
  lstatSync,
  openSync,
  readFileSync,
  readSync,
  readdirSync,
  readlinkSync,
  realpathSync,
  renameSync,
  statSync,
  unlinkSync,
  watch,
  writeFileSync,
  writeSync,
} = fs;
