import assert from 'node:assert/strict';
import { it } from 'node:test';
import { parseArgs } from '../../../src/config/cli-flags.js';

it('accepts Gunicorn\'s --limit-request-field_size and the all-dash spelling', () => {
  assert.equal(parseArgs(['--limit-request-field_size', '100']).values.limitRequestFieldSize, 100);
  assert.equal(parseArgs(['--limit-request-field-size=200']).values.limitRequestFieldSize, 200);
  assert.equal(parseArgs(['--limit-request-line', '0']).values.limitRequestLine, 0);
});

it('reads --proxy-protocol alone as auto, without eating the app argument', () => {
  const bare = parseArgs(['--proxy-protocol', 'app.ts']);
  assert.equal(bare.values.proxyProtocol, 'auto');
  assert.deepEqual(bare.positionals, ['app.ts']);
  assert.equal(parseArgs(['--proxy-protocol', 'v2', 'app.ts']).values.proxyProtocol, 'v2');
  assert.equal(parseArgs(['--proxy-protocol']).values.proxyProtocol, 'auto');
  assert.equal(parseArgs(['--proxy-protocol=false']).values.proxyProtocol, 'off');
  assert.throws(() => parseArgs(['--proxy-protocol=v3']), /proxy-protocol/);
});

it('splits allow lists on commas', () => {
  assert.deepEqual(parseArgs(['--forwarded-allow-ips', '10.0.0.1, 10.0.0.0/8']).values.forwardedAllowIps, ['10.0.0.1', '10.0.0.0/8']);
  assert.deepEqual(parseArgs(['--proxy-allow-from', '*']).values.proxyAllowIps, ['*']);
});
