import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { it } from 'node:test';
import { loadTlsFiles, type TlsConfig } from '../../../src/config/tls-files.js';
import { NarwhalError } from '../../../src/errors.js';
import { makeCerts } from '../../helpers/certs.js';

const certs = makeCerts();
const base: TlsConfig = { certfile: null, keyfile: null, caCerts: null, certReqs: 'none', ciphers: null, tlsMinVersion: 'TLSv1.2', http2: true };

const refuses = (config: Partial<TlsConfig>, re: RegExp) =>
  assert.throws(() => loadTlsFiles({ ...base, ...config }), (e: unknown) => e instanceof NarwhalError && e.exitCode === 2 && re.test(e.message) && !e.message.includes('\n'));

it('is off without a certificate, and says which setting needs it', () => {
  assert.equal(loadTlsFiles(base), null);
  refuses({ keyfile: certs.serverKey }, /--keyfile needs --certfile/);
  refuses({ certReqs: 'required' }, /need --certfile/);
});

it('reads the files, with the key in the certificate file when there is no --keyfile', () => {
  const files = loadTlsFiles({ ...base, certfile: certs.serverCert, keyfile: certs.serverKey, caCerts: certs.caCert, certReqs: 'optional' });
  assert.ok(files?.cert.toString().includes('BEGIN CERTIFICATE'));
  assert.ok(files?.ca?.toString().includes('BEGIN CERTIFICATE'));
  assert.equal(files?.certReqs, 'optional');
  const both = path.join(certs.dir, 'both.pem');
  writeFileSync(both, Buffer.concat([certs.read(certs.serverCert), certs.read(certs.serverKey)]));
  assert.ok(loadTlsFiles({ ...base, certfile: both }));
});

it('names the file and the reason when OpenSSL refuses it', () => {
  refuses({ certfile: path.join(certs.dir, 'nope.pem') }, /cannot read --certfile .*nope\.pem: no such file/);
  refuses({ certfile: certs.serverCert, keyfile: certs.clientKey }, /--keyfile .*client-key\.pem: key values mismatch/);
  refuses({ certfile: certs.serverKey, keyfile: certs.serverKey }, /--certfile/);
  refuses({ certfile: certs.serverCert, keyfile: certs.serverKey, caCerts: certs.serverKey }, /--ca-certs/);
  refuses({ certfile: certs.serverCert, keyfile: certs.serverKey, ciphers: 'NONSENSE' }, /--ciphers NONSENSE/);
});
