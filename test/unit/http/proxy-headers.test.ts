import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { IncomingMessage } from 'node:http';
import { ContradictorySchemeHeaders, ProxyTrust, forwardedForValues, hopAddress, resolveClientAddress, schemeFromHeaders } from '../../../src/http/proxy-headers.js';
import { peerMatcher as trustedPeers } from '../../../src/http/peer-matcher.js';
import { trustList } from '../../../src/config/value-types.js';

const GUNICORN_SCHEME_HEADERS = { 'X-FORWARDED-PROTOCOL': 'ssl', 'X-FORWARDED-PROTO': 'https', 'X-FORWARDED-SSL': 'on' };

test('CIDR matching: IPv4 and IPv6 networks, single addresses, IPv4-mapped peers', () => {
  const trusted = trustedPeers(['10.0.0.0/8', '192.168.1.7', 'fd00::/8', '::1']);
  assert.equal(trusted('10.200.3.4'), true);
  assert.equal(trusted('11.0.0.1'), false);
  assert.equal(trusted('192.168.1.7'), true);
  assert.equal(trusted('192.168.1.8'), false);
  assert.equal(trusted('::ffff:10.1.2.3'), true, 'a dual-stack socket reports IPv4 peers as ::ffff:a.b.c.d');
  assert.equal(trusted('fd12:3456::1'), true);
  assert.equal(trusted('fe80::1'), false);
  assert.equal(trusted('::1'), true);
  assert.equal(trusted('not-an-ip'), false);
  assert.equal(trusted(undefined), true, 'a unix socket peer has no address and is trusted, as in Gunicorn');
  const edges = trustedPeers(['172.16.0.0/12', '0.0.0.0/32']);
  assert.equal(edges('172.31.255.255'), true);
  assert.equal(edges('172.32.0.0'), false);
  assert.equal(edges('0.0.0.1'), false);
});

test('* trusts every peer', () => {
  const trusted = trustedPeers(['127.0.0.1', '*']);
  assert.equal(trusted('203.0.113.9'), true);
  assert.equal(trusted('2001:db8::1'), true);
});

test('the setting accepts addresses, networks and *, comma-separated, and rejects the rest', () => {
  assert.deepEqual(trustList.fromString(' 127.0.0.1, ::1 ,10.0.0.0/8 '), ['127.0.0.1', '::1', '10.0.0.0/8']);
  assert.deepEqual(trustList.append!(['127.0.0.1'], '10.0.0.0/8,*'), ['127.0.0.1', '10.0.0.0/8', '*']);
  assert.deepEqual(trustList.fromValue(['10.0.0.1', 'fd00::/8']), ['10.0.0.1', 'fd00::/8']);
  assert.throws(() => trustList.fromString('10.0.0.0/33'), /bad prefix length/);
  assert.throws(() => trustList.fromString('fd00::/129'), /bad prefix length/);
  assert.throws(() => trustList.fromString('localhost'), /not an IP address/);
  assert.throws(() => trustList.fromString('10.0.0.0/8/1'), /not an IP address/);
  assert.throws(() => trustList.fromValue(3), /string/);
});

test('hop addresses: ports, brackets, quotes and non-addresses', () => {
  assert.equal(hopAddress(' 203.0.113.5 '), '203.0.113.5');
  assert.equal(hopAddress('203.0.113.5:4711'), '203.0.113.5');
  assert.equal(hopAddress('[2001:db8::17]:4711'), '2001:db8::17');
  assert.equal(hopAddress('"[2001:db8::17]"'), '2001:db8::17');
  assert.equal(hopAddress('2001:db8::17'), '2001:db8::17');
  assert.equal(hopAddress('::ffff:198.51.100.1'), '198.51.100.1');
  assert.equal(hopAddress('unknown'), null);
  assert.equal(hopAddress('_hidden'), null);
  assert.equal(hopAddress(''), null);
});

test('Forwarded (RFC 7239): the for= values in order', () => {
  assert.deepEqual(forwardedForValues('for=192.0.2.43, for="[2001:db8:cafe::17]:4711";proto=https, by=10.0.0.1;For=198.51.100.17'), ['192.0.2.43', '"[2001:db8:cafe::17]:4711"', '198.51.100.17']);
  assert.deepEqual(forwardedForValues('proto=https;host=example.com'), []);
});

test('hop resolution walks from the peer while hops are trusted', () => {
  const trusted = trustedPeers(['127.0.0.1', '10.0.0.0/8']);
  // client -> proxy 10.1.1.1 -> proxy 127.0.0.1 (the peer)
  assert.equal(resolveClientAddress('127.0.0.1', ['203.0.113.5', '10.1.1.1'], trusted), '203.0.113.5');
  // A forged entry at the left is never reached: the first untrusted hop is the client.
  assert.equal(resolveClientAddress('127.0.0.1', ['6.6.6.6', '203.0.113.5', '10.1.1.1'], trusted), '203.0.113.5');
  // An untrusted peer: its headers are not believed at all.
  assert.equal(resolveClientAddress('198.51.100.9', ['6.6.6.6'], trusted), '198.51.100.9');
  // Every hop trusted: the leftmost is the client.
  assert.equal(resolveClientAddress('127.0.0.1', ['10.0.0.5', '10.0.0.6'], trusted), '10.0.0.5');
  // No hops: the peer.
  assert.equal(resolveClientAddress('127.0.0.1', [], trusted), '127.0.0.1');
  // An unknown hop stops the walk at the proxy that wrote it.
  assert.equal(resolveClientAddress('127.0.0.1', ['203.0.113.5', 'unknown'], trusted), '127.0.0.1');
  assert.equal(resolveClientAddress('127.0.0.1', ['unknown', '10.1.1.1'], trusted), '10.1.1.1');
});

test("secure scheme headers: Gunicorn's mapping, absent, mismatching and contradictory", () => {
  assert.equal(schemeFromHeaders({}, GUNICORN_SCHEME_HEADERS), null);
  assert.equal(schemeFromHeaders({ 'x-forwarded-proto': 'https' }, GUNICORN_SCHEME_HEADERS), 'https');
  assert.equal(schemeFromHeaders({ 'x-forwarded-proto': 'http' }, GUNICORN_SCHEME_HEADERS), 'http');
  assert.equal(schemeFromHeaders({ 'x-forwarded-proto': 'HTTPS' }, GUNICORN_SCHEME_HEADERS), 'http', 'values match exactly, as in Gunicorn');
  assert.equal(schemeFromHeaders({ 'x-forwarded-ssl': 'on', 'x-forwarded-protocol': 'ssl' }, GUNICORN_SCHEME_HEADERS), 'https');
  assert.throws(() => schemeFromHeaders({ 'x-forwarded-proto': 'https', 'x-forwarded-ssl': 'off' }, GUNICORN_SCHEME_HEADERS), ContradictorySchemeHeaders);
});

function fakeRequest(remoteAddress: string | undefined, headers: Record<string, string>, socket: object = { remoteAddress }): IncomingMessage {
  // Both views, as on node:http's object: ProxyTrust looks at rawHeaders first.
  return { socket, headers, rawHeaders: Object.entries(headers).flat() } as unknown as IncomingMessage;
}

test('ProxyTrust: headers count only from trusted peers; unix socket peers are trusted', () => {
  const proxy = new ProxyTrust({ allowIps: ['127.0.0.1'], secureSchemeHeaders: GUNICORN_SCHEME_HEADERS, forwardedForHeader: 'x-forwarded-for' });
  const spoof = { 'x-forwarded-proto': 'https', 'x-forwarded-for': '6.6.6.6' };
  assert.equal(proxy.resolve(fakeRequest('198.51.100.9', spoof)), null, 'an untrusted peer changes nothing');
  assert.equal(proxy.resolve(fakeRequest('127.0.0.1', {})), null, 'no header, nothing to resolve');
  assert.deepEqual(proxy.resolve(fakeRequest('127.0.0.1', spoof)), { scheme: 'https', clientAddress: '6.6.6.6', remoteAddress: '127.0.0.1' });
  assert.deepEqual(proxy.resolve(fakeRequest(undefined, { 'x-forwarded-for': '203.0.113.5' })), { scheme: 'http', clientAddress: '203.0.113.5', remoteAddress: '' });
  // A PROXY header from a trusted balancer replaced remoteAddress with the client's:
  // the scheme still goes by the balancer, but nothing the client sent names its address.
  const socket = { remoteAddress: '127.0.0.1' };
  proxy.watch(socket as never);
  socket.remoteAddress = '198.51.100.9';
  assert.deepEqual(proxy.resolve(fakeRequest(undefined, spoof, socket)), { scheme: 'https', clientAddress: '198.51.100.9', remoteAddress: '198.51.100.9' });
  const viaForwarded = new ProxyTrust({ allowIps: ['127.0.0.1'], secureSchemeHeaders: {}, forwardedForHeader: 'forwarded' });
  assert.deepEqual(viaForwarded.resolve(fakeRequest('127.0.0.1', { forwarded: 'for="[2001:db8::1]:99"', 'x-forwarded-for': '6.6.6.6' })), { scheme: 'http', clientAddress: '2001:db8::1', remoteAddress: '127.0.0.1' });
});
