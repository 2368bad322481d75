import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { headRules } from '../../../../src/http/head-rules.js';
import { afterRequests } from '../../../../src/http/wire/message-bounds.js';
import { defaultHeadRules } from '../../../helpers/head-rules.js';

const rules = headRules(defaultHeadRules({ secureSchemeHeaders: {} }));
const bytes = (s: string) => Buffer.from(s, 'latin1');

describe('afterRequests', () => {
  const a = 'GET /a HTTP/1.1\r\nHost: h\r\n\r\n';
  const b = 'POST /b HTTP/1.1\r\nHost: h\r\nContent-Length: 5\r\n\r\nhello';
  const c = 'POST /c HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n3;x=y\r\nabc\r\n0\r\nX-T: 1\r\n\r\n';
  const refused = 'GET /\xe9 HTTP/1.1\r\nHost: h\r\n\r\n';

  it('finds the first byte after whole requests: no body, a length, a chunked body with extensions and trailers', () => {
    const all = bytes(a + b + c + refused);
    assert.equal(afterRequests(all, 0, rules), 0);
    assert.equal(afterRequests(all, 1, rules), a.length);
    assert.equal(afterRequests(all, 2, rules), a.length + b.length);
    assert.equal(afterRequests(all, 3, rules), a.length + b.length + c.length);
  });

  it('skips CR and LF before each request', () => {
    assert.equal(afterRequests(bytes(`\r\n\n${a}\r\n${a}`), 2, rules), 3 + a.length + 2 + a.length);
  });

  it('is -1 when a request is not all there or its framing is refused', () => {
    assert.equal(afterRequests(bytes(a), 2, rules), -1);
    assert.equal(afterRequests(bytes(b.slice(0, -1)), 1, rules), -1);
    assert.equal(afterRequests(bytes(c.slice(0, -2)), 1, rules), -1);
    assert.equal(afterRequests(bytes('POST / HTTP/1.1\r\nHost: h\r\nContent-Length: x\r\n\r\n'), 1, rules), -1);
  });
});
