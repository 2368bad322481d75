// Gunicorn's rules that node:http's parser (llhttp) does not apply, checked on
// what it parsed (method, url, version, rawHeaders) before anyone else sees
// the request: line and field limits, the field count refused rather than
// truncated, the total head size, repeated Host/Content-Type, the underscore
// header map, transfer codings. Used by HttpServer on native listeners; runs in workers.

import type { IncomingMessage } from 'node:http';
import { FORBIDDEN_TRAILERS } from '../chunked-reader.js';
import { checkTarget, framing, type HeadRules } from '../head-rules.js';
import { HttpError } from '../http-error.js';
import { checkHost } from './host.js';

/** What the checks leave for the server: how the body is framed and whether the connection must close. */
export interface ParsedVerdict {
  readonly chunked: boolean;
  /** A coded body (gzip, chunked): close after it, as the strict parser does. */
  readonly forceClose: boolean;
  /** A body follows the head (chunked, or a Content-Length above 0): --body-timeout applies. */
  readonly body: boolean;
}

const CHUNKED_ONLY: ParsedVerdict = { chunked: true, forceClose: false, body: true };
const WITH_LENGTH: ParsedVerdict = { chunked: false, forceClose: false, body: true };
const PLAIN: ParsedVerdict = { chunked: false, forceClose: false, body: false };

/** The fields framing() reads, found by length before any lower-casing. */
const FRAMING_LENGTHS = new Set([4, 12, 14, 17]);
const FRAMING_NAMES = new Set(['host', 'content-type', 'content-length', 'transfer-encoding']);

/**
 * Checks the request node:http parsed; throws HttpError for a refusal. Drops
 * underscore names from rawHeaders under header_map=drop (node:http builds
 * req.headers from rawHeaders when first read, so nobody sees them).
 * `headLimit`: the total head size (0: none).
 */
export function checkParsed(req: IncomingMessage, rules: HeadRules, headLimit: number): ParsedVerdict {
  const method = req.method ?? '';
  const url = req.url ?? '';
  const lineLength = method.length + url.length + 10;
  if (lineLength > rules.limitRequestLine) throw new HttpError(400, 'request line too long');
  if (req.httpVersionMajor !== 1 && !rules.permitUnconventionalHttpVersion) throw new HttpError(400, `unsupported HTTP version ${req.httpVersion}`);
  checkTarget(method, url);
  const raw = req.rawHeaders;
  if (raw.length / 2 > rules.limitRequestFields) throw new HttpError(431, 'too many header fields');
  let total = lineLength;
  let framed: string[] | null = null;
  let underscores = false;
  for (let i = 0; i < raw.length; i += 2) {
    const name = raw[i]!;
    // `Name: value` and its CRLF, as sent by nearly every client (llhttp drops the spaces around the value).
    const length = name.length + raw[i + 1]!.length + 4;
    if (length > rules.limitRequestFieldSize) throw new HttpError(431, 'header field too long');
    total += length;
    if (FRAMING_LENGTHS.has(name.length)) {
      const lower = name.toLowerCase();
      if (FRAMING_NAMES.has(lower)) (framed ??= []).push(lower, name, raw[i + 1]!);
    }
    if (name.includes('_')) underscores = true;
  }
  if (headLimit > 0 && total + 2 > headLimit) throw new HttpError(431, 'request head too large');
  if (underscores && rules.headerMap !== 'dangerous') dropUnderscores(raw, rules.headerMap);
  if (framed === null) {
    // No Host either: framing() would have checked it.
    checkHost([], req.httpVersionMajor, req.httpVersionMinor);
    return PLAIN;
  }
  const f = framing(framed, req.httpVersionMinor, req.httpVersionMajor);
  if (f.body === 'chunked') return f.forceClose ? { chunked: true, forceClose: true, body: true } : CHUNKED_ONLY;
  if (f.forceClose) return { chunked: false, forceClose: true, body: f.body > 0 };
  return f.body > 0 ? WITH_LENGTH : PLAIN;
}

function dropUnderscores(raw: string[], headerMap: 'drop' | 'refuse'): void {
  const kept: string[] = [];
  for (let i = 0; i < raw.length; i += 2) {
    if (!raw[i]!.includes('_')) kept.push(raw[i]!, raw[i + 1]!);
    else if (headerMap === 'refuse') throw new HttpError(400, `header name with an underscore: ${raw[i]}`);
  }
  raw.splice(0, raw.length, ...kept);
}

/** The first trailer field the strict parser would refuse, or null. */
export function forbiddenTrailer(rawTrailers: readonly string[]): string | null {
  for (let i = 0; i < rawTrailers.length; i += 2) if (FORBIDDEN_TRAILERS.has(rawTrailers[i]!.toLowerCase())) return rawTrailers[i]!;
  return null;
}

/**
 * A chunked body's trailers arrive with its end: node:http sets rawTrailers
 * just before it ends the stream. A forbidden one fails the request there
 * (`onBad`), so the app never sees an end that looks complete.
 */
export function guardTrailers(req: IncomingMessage, onBad: (name: string) => void): void {
  const push = req.push;
  req.push = function (this: IncomingMessage, chunk: unknown, encoding?: BufferEncoding): boolean {
    if (chunk === null) {
      const bad = forbiddenTrailer(this.rawTrailers);
      if (bad !== null) {
        onBad(bad);
        return false;
      }
    }
    return push.call(this, chunk, encoding);
  };
}
