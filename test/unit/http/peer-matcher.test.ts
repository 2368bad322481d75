import assert from 'node:assert/strict';
import { it } from 'node:test';
import { peerMatcher } from '../../../src/http/peer-matcher.js';

it('matches exact addresses, CIDR ranges, mapped IPv4, * and unix sockets', () => {
  const m = peerMatcher(['127.0.0.1', '::1', '10.0.0.0/8', '2001:db8::/32']);
  assert.equal(m('127.0.0.1'), true);
  assert.equal(m('::ffff:127.0.0.1'), true);
  assert.equal(m('::1'), true);
  assert.equal(m('10.200.3.4'), true);
  assert.equal(m('2001:db8::5'), true);
  assert.equal(m('192.168.0.1'), false);
  assert.equal(m('not an ip'), false);
  assert.equal(m(undefined), true);
  assert.equal(peerMatcher(['*'])('8.8.8.8'), true);
  assert.equal(peerMatcher([])('127.0.0.1'), false);
});
