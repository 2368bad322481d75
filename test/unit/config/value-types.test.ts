import assert from 'node:assert/strict';
import { test } from 'node:test';
import { address, choice, flag, int, keyValues, octal, seconds } from '../../../src/config/value-types.js';
import { parseAddress } from '../../../src/config/address.js';

test('numbers: whole, seconds, bounds', () => {
  assert.equal(int({ min: 1 }).fromString('4'), 4);
  assert.throws(() => int({ min: 1 }).fromString('0'), /at least 1/);
  assert.throws(() => int().fromString('1.5'), /whole number/);
  assert.equal(int().fromValue(7), 7);
  assert.equal(seconds().fromString('0.25'), 0.25);
  assert.throws(() => seconds().fromString('-1'), /seconds/);
});

test('flags, choices, masks, key=value', () => {
  assert.equal(flag.fromString('yes'), true);
  assert.equal(flag.fromString('off'), false);
  assert.equal(choice(['a', 'b'] as const).fromString('B'), 'b');
  assert.throws(() => choice(['a', 'b'] as const).fromString('c'), /one of a, b/);
  assert.equal(octal.fromString('022'), 0o22);
  assert.equal(octal.fromString('0o007'), 0o7);
  assert.equal(octal.fromValue(0o77), 0o77);
  assert.throws(() => octal.fromString('rwx'), /mode mask/);
  assert.throws(() => octal.fromString('0o9'), /mode mask/);
  assert.deepEqual(keyValues.append!({ A: '1' }, 'B=2'), { A: '1', B: '2' });
  assert.deepEqual(keyValues.fromValue(['X=1', 'Y=']), { X: '1', Y: '' });
  assert.throws(() => keyValues.fromString('NOEQUALS'), /KEY=VALUE/);
});

test('bind addresses', () => {
  assert.deepEqual(parseAddress('127.0.0.1:8000'), { kind: 'tcp', host: '127.0.0.1', port: 8000, family: 4 });
  assert.deepEqual(parseAddress('[::1]:9000'), { kind: 'tcp', host: '::1', port: 9000, family: 6 });
  assert.deepEqual(parseAddress(':5000'), { kind: 'tcp', host: '0.0.0.0', port: 5000, family: 4 });
  assert.deepEqual(parseAddress('localhost'), { kind: 'tcp', host: '127.0.0.1', port: 8000, family: 4 });
  assert.deepEqual(parseAddress('unix:/run/app.sock'), { kind: 'unix', path: '/run/app.sock' });
  assert.deepEqual(parseAddress('fd://3'), { kind: 'fd', fd: 3 });
  assert.throws(() => address.fromString('::1:80'), /brackets/);
  assert.throws(() => address.fromString('host:99999'), /not a port/);
  assert.throws(() => address.fromString('unix:'), /needs a path/);
});
