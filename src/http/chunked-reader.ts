// Reads a chunked request body strictly (RFC 9112 section 7.1 with Gunicorn
// 26's rules) and re-encodes it canonically for node:http's parser: sizes in
// plain hex, extensions dropped, trailers checked. One per chunked body; created
// by the connection gate in a worker.

import { HttpError } from './http-error.js';

const SIZE_LINE = /^([0-9A-Fa-f]{1,13})(?:;[^\x00-\x08\x0a-\x1f\x7f]*)?$/;
const TOKEN = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;
const VALUE_BAD = /[\x00-\x08\x0a-\x1f\x7f]/;
/** Fields that must not arrive after the body: framing, routing, control, credentials. */
export const FORBIDDEN_TRAILERS: ReadonlySet<string> = new Set([
  'content-length', 'transfer-encoding', 'host', 'connection', 'keep-alive', 'te', 'trailer', 'upgrade', 'expect',
  'authorization', 'proxy-authorization', 'cookie', 'content-encoding', 'content-range',
]);
const MAX_SIZE_LINE = 4096;
const CRLF = Buffer.from('\r\n');
const LAST_CHUNK = Buffer.from('0\r\n');

type State = 'size' | 'data' | 'data-end' | 'trailers' | 'done';

const fail = (status: number, msg: string): never => {
  throw new HttpError(status, msg, 'body');
};

export class ChunkedReader {
  readonly #maxFields: number;
  readonly #maxFieldSize: number;
  #state: State = 'size';
  #line = '';
  #remaining = 0;
  #crlfSeen = 0;
  #trailers = 0;

  /** Without framing, only the data bytes are pushed (for a reader that wants the body itself). */
  readonly #framing: boolean;

  constructor(maxFields: number, maxFieldSize: number, framing = true) {
    this.#maxFields = maxFields;
    this.#maxFieldSize = maxFieldSize;
    this.#framing = framing;
  }

  get done(): boolean {
    return this.#state === 'done';
  }

  /**
   * Consumes body bytes from `chunk` at `offset`, pushing the canonical
   * encoding onto `out`. Returns where the body ended in `chunk`, or its
   * length when more is needed. Throws HttpError (phase `body`).
   */
  feed(chunk: Buffer, offset: number, out: Buffer[]): number {
    let i = offset;
    while (i < chunk.length && this.#state !== 'done') {
      switch (this.#state) {
        case 'size':
        case 'trailers': {
          const nl = chunk.indexOf(10, i);
          const end = nl < 0 ? chunk.length : nl;
          this.#line += chunk.toString('latin1', i, end);
          if (this.#line.length > (this.#state === 'size' ? MAX_SIZE_LINE : this.#maxFieldSize)) fail(this.#state === 'size' ? 400 : 431, 'chunk line too long');
          if (nl < 0) return chunk.length;
          i = nl + 1;
          const line = this.#line;
          this.#line = '';
          if (!line.endsWith('\r')) fail(400, 'bare LF in chunked body');
          if (this.#state === 'size') this.#sizeLine(line.slice(0, -1), out);
          else this.#trailerLine(line.slice(0, -1), out);
          break;
        }
        case 'data': {
          const n = Math.min(this.#remaining, chunk.length - i);
          out.push(chunk.subarray(i, i + n));
          this.#remaining -= n;
          i += n;
          if (this.#remaining === 0) this.#state = 'data-end';
          break;
        }
        case 'data-end': {
          if (chunk[i] !== (this.#crlfSeen === 0 ? 13 : 10)) fail(400, 'chunk data not followed by CRLF');
          i++;
          if (++this.#crlfSeen === 2) {
            this.#crlfSeen = 0;
            this.#state = 'size';
            if (this.#framing) out.push(CRLF);
          }
          break;
        }
      }
    }
    return i;
  }

  #sizeLine(line: string, out: Buffer[]): void {
    const m = SIZE_LINE.exec(line);
    if (!m) fail(400, /\r/.test(line) ? 'invalid chunk extension' : 'invalid chunk size');
    const size = parseInt(m![1]!, 16);
    if (size === 0) {
      this.#state = 'trailers';
      if (this.#framing) out.push(LAST_CHUNK);
      return;
    }
    this.#remaining = size;
    this.#state = 'data';
    if (this.#framing) out.push(Buffer.from(`${size.toString(16)}\r\n`, 'latin1'));
  }

  #trailerLine(line: string, out: Buffer[]): void {
    if (line === '') {
      this.#state = 'done';
      if (this.#framing) out.push(CRLF);
      return;
    }
    if (++this.#trailers > this.#maxFields) fail(431, 'too many trailer fields');
    const colon = line.indexOf(':');
    if (colon <= 0) fail(400, 'invalid trailer field');
    const name = line.slice(0, colon);
    if (!TOKEN.test(name)) fail(400, 'invalid trailer field name');
    if (FORBIDDEN_TRAILERS.has(name.toLowerCase())) fail(400, `${name} is not allowed in trailers`);
    const value = line.slice(colon + 1).replace(/^[ \t]+|[ \t]+$/g, '');
    if (VALUE_BAD.test(value)) fail(400, `invalid character in trailer ${name}`);
    if (this.#framing) out.push(Buffer.from(`${name}: ${value}\r\n`, 'latin1'));
  }
}
