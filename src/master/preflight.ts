// Checks made before the master binds, for settings whose failure would
// otherwise show only at the first spawn. Master only.

import { accessSync, constants, statSync } from '../node-fs.js';
import { NarwhalError } from '../errors.js';
import type { TlsConfig } from '../config/tls-files.js';

/**
 * Workers read the TLS files at boot: unreadable or mismatched files must stop the start, not loop respawns.
 * The reader (node:tls, node:crypto: a few MB) is loaded only when a TLS setting is given, so a plain-HTTP master never holds it.
 */
export async function checkTlsFiles(config: TlsConfig): Promise<void> {
  if (config.certfile === null && config.keyfile === null && config.caCerts === null && config.certReqs === 'none') return;
  (await import('../config/tls-files.js')).loadTlsFiles(config);
}

/** Heartbeat files are made at every spawn: a bad directory must stop the start, not a respawn. */
export function checkWorkerTmpDir(dir: string | null): void {
  if (dir === null) return;
  try {
    if (!statSync(dir).isDirectory()) throw new Error('not a directory');
    accessSync(dir, constants.W_OK);
  } catch (e) {
    const why = (e as NodeJS.ErrnoException).code ?? (e as Error).message;
    throw new NarwhalError('CONFIG', `--worker-tmp-dir ${dir} is not a writable directory (${why})`);
  }
}
