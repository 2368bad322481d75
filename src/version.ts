// Narwhal's version, read once from its package.json (found by walking up
// from this file, so it works from src/ and from dist/).

import { readFileSync } from './node-fs.js';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

function readVersion(): string {
  let dir = path.dirname(fileURLToPath(import.meta.url));
  for (let i = 0; i < 5; i++) {
    try {
      const pkg = JSON.parse(readFileSync(path.join(dir, 'package.json'), 'utf8')) as { name?: string; version?: string };
      if (pkg.name === 'narwhal-server' && pkg.version) return pkg.version;
    } catch {
      // Not here; look one level up.
    }
    dir = path.dirname(dir);
  }
  return '0.0.0';
}

export const VERSION = readVersion();
