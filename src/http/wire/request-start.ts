// Byte-level helpers for where a request begins in a buffer: whether bytes
// could start a request line, and views that avoid a copy. Used by the strict
// gate (connection-gate.ts) in workers.

import type { HeadRules } from '../head-rules.js';

/** tchar (RFC 9110 5.6.2), by byte. */
const TCHAR = new Uint8Array(256);
for (const c of "!#$%&'*+-.^_`|~0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz") TCHAR[c.charCodeAt(0)] = 1;

/** Whether the bytes from `start` up to the first space (or the end) could be a method. */
export function startsLikeMethod(buf: Buffer, start: number): boolean {
  for (let i = start; i < buf.length; i++) {
    const b = buf[i]!;
    if (b === 32) return i > start;
    if (TCHAR[b] === 0) return false;
  }
  return true;
}

/** `buf` itself when the range is all of it (a packet holding exactly one head, the usual case): no new view. */
export function slice(buf: Buffer, start: number, end: number): Buffer {
  return start === 0 && end === buf.length ? buf : buf.subarray(start, end);
}

/** How many CR and LF bytes `buf` starts with: what comes before a request line and is skipped. */
export function lineEnds(buf: Buffer): number {
  let i = 0;
  while (buf[i] === 13 || buf[i] === 10) i++;
  return i;
}

/** The most CR and LF bytes skipped before a request line: the head limit, or without one, the largest head. */
export function skipLimit(rules: HeadRules, headLimit = 0): number {
  return headLimit > 0 ? headLimit : rules.limitRequestLine + rules.maxHeaderBytes;
}
