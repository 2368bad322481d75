import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { HttpError } from '../../../src/http/http-error.js';
import { parseProxyHeader } from '../../../src/http/proxy-protocol.js';

const SIG = Buffer.from('0d0a0d0a000d0a515549540a', 'hex');
const v2 = (famProto: number, addr: Buffer, cmd = 0x21) => Buffer.concat([SIG, Buffer.from([cmd, famProto, addr.length >> 8, addr.length & 255]), addr, Buffer.from('GET / HTTP/1.1\r\n')]);

describe('parseProxyHeader', () => {
  it('reads a v1 line and says where the request starts', () => {
    const buf = Buffer.from('PROXY TCP4 192.168.0.1 192.168.0.11 56324 443\r\nGET / HTTP/1.1\r\n');
    const r = parseProxyHeader(buf, 'auto');
    assert.deepEqual(r, { consumed: 47, client: { address: '192.168.0.1', port: 56324 } });
    assert.equal(parseProxyHeader(buf, 'v2'), null);
  });

  it('asks for more bytes while it cannot tell', () => {
    assert.equal(parseProxyHeader(Buffer.from('PRO'), 'auto'), 'more');
    assert.equal(parseProxyHeader(Buffer.from('PROXY TCP4 1.2.3.4'), 'v1'), 'more');
    assert.equal(parseProxyHeader(SIG.subarray(0, 5), 'v2'), 'more');
    assert.equal(parseProxyHeader(Buffer.from('GET / HTTP/1.1\r\n'), 'auto'), null);
  });

  it('rejects malformed v1 lines with 400', () => {
    for (const line of ['PROXY TCP4 192.168.0.1 192.16...\r\n', 'PROXY TCP4 192.168.0.1 192.168.0.11 65iii 100000\r\n', 'PROXY TCP4 not-an-ip 192.168.0.11 56324 443\r\n', 'PROXY TCP6 1.2.3.4 1.2.3.5 1 2\r\n', 'PROXY UDP4 1.2.3.4 1.2.3.5 1 2\r\n', `PROXY ${'x'.repeat(120)}`]) {
      assert.throws(() => parseProxyHeader(Buffer.from(line), 'auto'), (e: unknown) => e instanceof HttpError && e.status === 400, line);
    }
  });

  it('reads v2 IPv4, IPv6 and LOCAL headers', () => {
    const ipv4 = Buffer.from([192, 168, 1, 10, 192, 168, 1, 1, 0x30, 0x39, 0x01, 0xbb]);
    assert.deepEqual(parseProxyHeader(v2(0x11, ipv4), 'auto'), { consumed: 28, client: { address: '192.168.1.10', port: 12345 } });
    const ipv6 = Buffer.alloc(36);
    Buffer.from('20010db8000000000000000000000001', 'hex').copy(ipv6, 0);
    ipv6.writeUInt16BE(54321, 32);
    assert.deepEqual(parseProxyHeader(v2(0x21, ipv6), 'v2'), { consumed: 52, client: { address: '2001:db8::1', port: 54321 } });
    assert.deepEqual(parseProxyHeader(v2(0x00, Buffer.alloc(0), 0x20), 'v2'), { consumed: 16, client: null });
    assert.equal(parseProxyHeader(v2(0x11, ipv4).subarray(0, 20), 'v2'), 'more');
    assert.throws(() => parseProxyHeader(v2(0x12, ipv4), 'v2'), HttpError);
    assert.throws(() => parseProxyHeader(v2(0x11, ipv4, 0x31), 'v2'), HttpError);
  });
});
