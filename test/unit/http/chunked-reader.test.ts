import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ChunkedReader } from '../../../src/http/chunked-reader.js';
import { HttpError } from '../../../src/http/http-error.js';

/** Feeds `input` in pieces of `step` bytes; returns the canonical output and where the body ended. */
function read(input: string, step = input.length): { out: string; end: number; done: boolean } {
  const reader = new ChunkedReader(100, 8190);
  const buf = Buffer.from(input, 'latin1');
  const out: Buffer[] = [];
  let end = -1;
  for (let i = 0; i < buf.length && !reader.done; i += step) {
    const piece = buf.subarray(i, i + step);
    const at = reader.feed(piece, 0, out);
    if (reader.done) end = i + at;
  }
  return { out: Buffer.concat(out).toString('latin1'), end, done: reader.done };
}

const bodyError = (input: string) =>
  assert.throws(() => read(input), (e: unknown) => e instanceof HttpError && e.phase === 'body', JSON.stringify(input));

describe('ChunkedReader', () => {
  it('re-encodes canonically, whatever the piece sizes, and stops at the body end', () => {
    const input = '5; a="b c"\r\nhello\r\n0006\r\n world\r\n000\r\nVary: *\r\n\r\nGET /next';
    for (const step of [1, 2, 7, input.length]) {
      const r = read(input, step);
      assert.equal(r.out, '5\r\nhello\r\n6\r\n world\r\n0\r\nVary: *\r\n\r\n');
      assert.equal(r.done, true);
      assert.equal(input.slice(r.end), 'GET /next');
    }
  });

  it('waits for more when the body is incomplete', () => {
    assert.equal(read('5\r\nhel').done, false);
  });

  it('rejects bad sizes, extensions, terminators and trailers', () => {
    for (const bad of ['6_0\r\n', '0 \r\n\r\n', ' 0\r\n\r\n', '5\n;\r\nhello\r\n', ' ;foo=bar\r\n', '\r\nhello\r\n', '-5\r\n', '+5\r\n', '5;ext=val\rue\r\nhello\r\n', '5\r\nhelloXX', '0\r\nContent-Length: 9\r\n\r\n', '0\r\nHost: evil\r\n\r\n', '0\r\nBad Name: x\r\n\r\n', 'fffffffffffffff\r\n']) {
      bodyError(bad);
    }
  });
});
