import assert from 'node:assert/strict';
import { it } from 'node:test';
import { parseArgs } from '../../../src/config/cli-flags.js';
import { SETTINGS } from '../../../src/config/settings.js';

it('reads --cert-reqs by name or by Gunicorn\'s numbers, and refuses others', () => {
  assert.equal(parseArgs(['--cert-reqs', 'required']).values.certReqs, 'required');
  assert.equal(parseArgs(['--cert-reqs', '1']).values.certReqs, 'optional');
  assert.equal(SETTINGS.certReqs.type.fromValue(0), 'none');
  assert.throws(() => parseArgs(['--cert-reqs', '3']), /cert-reqs/);
});

it('reads --tls-min-version (and --ssl-min-version) in the usual spellings', () => {
  assert.equal(parseArgs(['--tls-min-version', 'TLSv1.3']).values.tlsMinVersion, 'TLSv1.3');
  assert.equal(parseArgs(['--ssl-min-version', '1.2']).values.tlsMinVersion, 'TLSv1.2');
  assert.equal(SETTINGS.tlsMinVersion.type.fromValue('tlsv1.3'), 'TLSv1.3');
  assert.throws(() => parseArgs(['--tls-min-version', 'TLSv1.1']), /TLSv1\.2 or TLSv1\.3/);
});

it('turns HTTP/2 off with --no-http2', () => {
  assert.equal(parseArgs(['--no-http2']).values.http2, false);
  assert.equal(SETTINGS.http2.default, true);
});
