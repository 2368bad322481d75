// Reads the TLS files the config names (certificate, key, CA bundle) and checks
// that OpenSSL accepts them with the configured ciphers. Called by the master
// before it binds (a bad path stops the start) and by each worker at boot, so a
// reload (HUP) picks up renewed files.

import { X509Certificate } from 'node:crypto';
import { readFileSync } from '../node-fs.js';
import { createSecureContext } from 'node:tls';
import { NarwhalError } from '../errors.js';

export interface TlsConfig {
  readonly certfile: string | null;
  readonly keyfile: string | null;
  readonly caCerts: string | null;
  readonly certReqs: 'none' | 'optional' | 'required';
  readonly ciphers: string | null;
  readonly tlsMinVersion: 'TLSv1.2' | 'TLSv1.3';
  readonly http2: boolean;
}

/** What a worker needs to serve TLS: file contents, never paths. */
export interface TlsFiles {
  readonly cert: Buffer;
  readonly key: Buffer;
  readonly ca: Buffer | undefined;
  readonly certReqs: TlsConfig['certReqs'];
  readonly ciphers: string | undefined;
  readonly minVersion: TlsConfig['tlsMinVersion'];
  readonly http2: boolean;
}

function read(flag: string, file: string): Buffer {
  try {
    return readFileSync(file);
  } catch (e) {
    const err = e as NodeJS.ErrnoException;
    throw new NarwhalError('CONFIG', `cannot read ${flag} ${file}: ${err.code === 'ENOENT' ? 'no such file' : err.code === 'EACCES' ? 'permission denied' : (err.code ?? err.message)}`);
  }
}

/** OpenSSL's reason, without its library prefix: "key values mismatch", "no start line". */
function reason(e: unknown): string {
  const err = e as Error & { reason?: string; code?: string };
  return err.reason ?? err.message.replace(/^error:[0-9A-F]+:[^:]*:[^:]*:/, '');
}

/** Null when TLS is off; throws a one-line NarwhalError (exit 2) for anything wrong. */
export function loadTlsFiles(config: TlsConfig): TlsFiles | null {
  if (config.certfile === null) {
    if (config.keyfile !== null) throw new NarwhalError('CONFIG', '--keyfile needs --certfile');
    if (config.caCerts !== null || config.certReqs !== 'none') throw new NarwhalError('CONFIG', '--ca-certs and --cert-reqs need --certfile (TLS is off without it)');
    return null;
  }
  const cert = read('--certfile', config.certfile);
  const key = config.keyfile === null ? cert : read('--keyfile', config.keyfile);
  const ca = config.caCerts === null ? undefined : read('--ca-certs', config.caCerts);
  const files: TlsFiles = { cert, key, ca, certReqs: config.certReqs, ciphers: config.ciphers ?? undefined, minVersion: config.tlsMinVersion, http2: config.http2 };
  let step = `--certfile ${config.certfile}`;
  try {
    // OpenSSL takes a PEM file without any certificate in it without a word.
    new X509Certificate(cert);
    createSecureContext({ cert, ciphers: files.ciphers, minVersion: files.minVersion });
    step = config.keyfile === null ? `--certfile ${config.certfile} (no --keyfile: the key must be in it)` : `--keyfile ${config.keyfile}`;
    createSecureContext({ cert, key, ciphers: files.ciphers, minVersion: files.minVersion });
    if (ca) {
      step = `--ca-certs ${config.caCerts}`;
      new X509Certificate(ca);
      createSecureContext({ ca });
    }
  } catch (e) {
    if (/cipher/i.test(reason(e)) && files.ciphers) throw new NarwhalError('CONFIG', `--ciphers ${files.ciphers}: OpenSSL knows none of these ciphers`);
    throw new NarwhalError('CONFIG', `${step}: ${reason(e)}`);
  }
  return files;
}
