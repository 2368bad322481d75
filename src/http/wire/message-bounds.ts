// Where requests end in bytes node:http's parser read: the strict parser's
// framing (parseHead's body length, the chunked reader) walks past requests
// llhttp already parsed, to the first byte of the head it refused. Used by
// head-tap.ts for a handover to the strict parser; runs in workers.

import { ChunkedReader } from '../chunked-reader.js';
import { parseHead, type HeadRules } from '../head-rules.js';
import { lineEnds } from './request-start.js';

const BLANK_LINE = Buffer.from('\r\n\r\n');

/**
 * The offset in `bytes` just past its first `n` whole requests (CR and LF
 * before each skipped), or -1 when they are not all there or the strict
 * parser reads their framing differently.
 */
export function afterRequests(bytes: Buffer, n: number, rules: HeadRules): number {
  let at = 0;
  try {
    for (let k = 0; k < n; k++) {
      at += lineEnds(bytes.subarray(at));
      const end = bytes.indexOf(BLANK_LINE, at);
      if (end < 0) return -1;
      const head = parseHead(bytes.toString('latin1', at, end), rules, false);
      at = end + 4;
      if (head.body === 'chunked') {
        const reader = new ChunkedReader(rules.limitRequestFields, rules.limitRequestFieldSize, false);
        at = reader.feed(bytes, at, []);
        if (!reader.done) return -1;
      } else {
        at += head.body;
        if (at > bytes.length) return -1;
      }
    }
  } catch {
    return -1;
  }
  return at;
}
