// Makes throwaway certificates with the openssl command for TLS tests: a CA,
// server certificates for 127.0.0.1 signed by it, a client certificate signed
// by it, and a client certificate from a CA the server does not trust.

import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after } from 'node:test';

export interface Certs {
  readonly dir: string;
  /** Paths of PEM files. */
  readonly caCert: string;
  readonly serverCert: string;
  readonly serverKey: string;
  readonly clientCert: string;
  readonly clientKey: string;
  readonly rogueCert: string;
  readonly rogueKey: string;
  read(file: string): Buffer;
  /** Issues another server certificate for 127.0.0.1 (organisation `o`) into `cert`/`key`, names in `dir`. */
  issueServer(o: string, cert: string, key: string): void;
}

function openssl(dir: string, args: string[]): void {
  execFileSync('openssl', args, { cwd: dir, stdio: ['ignore', 'ignore', 'pipe'] });
}

const EC = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes'];

function selfSigned(dir: string, cn: string, cert: string, key: string): void {
  openssl(dir, ['req', '-x509', ...EC, '-keyout', key, '-out', cert, '-days', '2', '-subj', `/CN=${cn}`, '-addext', 'basicConstraints=critical,CA:TRUE', '-addext', 'keyUsage=critical,keyCertSign,cRLSign']);
}

function signed(dir: string, ca: [string, string], cn: string, cert: string, key: string, ext: string): void {
  const csr = `${cert}.csr`;
  const extFile = `${cert}.ext`;
  writeFileSync(path.join(dir, extFile), `${ext}\n`);
  openssl(dir, ['req', ...EC, '-keyout', key, '-out', csr, '-subj', cn]);
  openssl(dir, ['x509', '-req', '-in', csr, '-CA', ca[0], '-CAkey', ca[1], '-CAcreateserial', '-out', cert, '-days', '2', '-extfile', extFile]);
}

export function makeCerts(): Certs {
  const dir = mkdtempSync(path.join(tmpdir(), 'narwhal-certs-'));
  after(() => rmSync(dir, { recursive: true, force: true }));
  selfSigned(dir, 'Narwhal Test CA', 'ca.pem', 'ca-key.pem');
  selfSigned(dir, 'Rogue CA', 'rogue.pem', 'rogue-key.pem');
  const serverExt = 'subjectAltName=IP:127.0.0.1,DNS:localhost\nextendedKeyUsage=serverAuth';
  signed(dir, ['ca.pem', 'ca-key.pem'], '/CN=127.0.0.1/O=First', 'server.pem', 'server-key.pem', serverExt);
  signed(dir, ['ca.pem', 'ca-key.pem'], '/CN=alice/O=Example Org', 'client.pem', 'client-key.pem', 'extendedKeyUsage=clientAuth');
  const p = (f: string) => path.join(dir, f);
  return {
    dir,
    caCert: p('ca.pem'),
    serverCert: p('server.pem'),
    serverKey: p('server-key.pem'),
    clientCert: p('client.pem'),
    clientKey: p('client-key.pem'),
    rogueCert: p('rogue.pem'),
    rogueKey: p('rogue-key.pem'),
    read: (file) => readFileSync(file),
    issueServer: (o, cert, key) => signed(dir, ['ca.pem', 'ca-key.pem'], `/CN=127.0.0.1/O=${o}`, cert, key, serverExt),
  };
}
