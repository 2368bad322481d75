// What a native connection keeps so that a head llhttp refuses can be read
// again by the strict parser: the reads since the last message boundary, kept
// only while a message is incomplete at the end of a read (a keep-alive
// request read whole keeps nothing), and the CR and LF bytes before a request
// line, which llhttp skips without counting them. One per connection of a
// native listener (native-http1.ts); runs in workers.

import type { IncomingMessage } from 'node:http';
import type { HeadRules } from '../head-rules.js';
import type { ParserTap } from '../node-internals.js';
import { afterRequests } from './message-bounds.js';
import { skipLimit } from './request-start.js';

export interface HeadTapOptions {
  readonly rules: HeadRules;
  readonly headLimit: number;
  readonly headerTimeoutMs: number;
  /** The most bytes kept for a message still arriving; past it, a refusal behind it is answered, not handed over. */
  readonly keepAtMost: number;
  /** CR and LF bytes past the head limit (431), or for longer than the header timeout (408). */
  readonly onLineEnds: (status: 431 | 408) => void;
}

export class HeadTap implements ParserTap {
  readonly #opts: HeadTapOptions;
  /** Reads since the last boundary, copied; null once more than keepAtMost arrived (none kept until the next boundary). */
  #kept: Buffer[] | null = [];
  #keptBytes = 0;
  /** Bytes of the reads this tap saw before the kept ones. */
  #before = 0;
  /** Messages begun since the kept reads start. */
  #begun = 0;
  #inHead = false;
  #last: IncomingMessage | null = null;
  #startedIdle = true;
  #lineEnds = 0;
  #lineEndTimer: NodeJS.Timeout | null = null;
  /** When the latest message began (its header timeout runs from there). */
  beganAt = 0;
  /** Reads after a refusal that is being handed over: they are the strict parser's. */
  #handover: Buffer[] | null = null;

  constructor(opts: HeadTapOptions) {
    this.#opts = opts;
  }

  begin(): void {
    this.#begun++;
    this.#inHead = true;
    this.beganAt = performance.now();
    if (this.#lineEnds > 0) this.#stopLineEnds();
  }

  /** node:http handed a request on (its head is complete). */
  request(req: IncomingMessage): void {
    this.#inHead = false;
    this.#last = req;
  }

  read(result: number | Error, bytes: () => Buffer): boolean {
    if (this.#handover) {
      this.#handover.push(bytes());
      return false;
    }
    if (typeof result !== 'number') return true;
    const idle = !this.#inHead && (this.#last === null || this.#last.complete);
    if (idle && this.#startedIdle && this.#begun === 0) this.#countLineEnds(result);
    if (idle) {
      this.#before += this.#keptBytes + result;
      this.#kept = [];
      this.#keptBytes = 0;
      this.#begun = 0;
      this.#startedIdle = true;
      return true;
    }
    this.#startedIdle = false;
    this.#keptBytes += result;
    if (this.#kept && this.#keptBytes <= this.#opts.keepAtMost) this.#kept.push(bytes());
    else this.#kept = null;
    return true;
  }

  /**
   * The bytes from the first byte of the head llhttp refused in `raw` (the read
   * it refused), or null when they are not all at hand. From then on the reads
   * are kept for the strict parser (taken with rest()).
   */
  refusedHead(raw: Buffer, bytesRead: number): Buffer | null {
    if (!this.#kept || this.#begun === 0 || this.#before + this.#keptBytes + raw.length !== bytesRead) return null;
    const bytes = this.#kept.length ? Buffer.concat([...this.#kept, raw]) : raw;
    // The refused head began too: the ones before it were served.
    const at = this.#begun === 1 ? 0 : afterRequests(bytes, this.#begun - 1, this.#opts.rules);
    if (at < 0) return null;
    this.#kept = null;
    this.#handover = [];
    return bytes.subarray(at);
  }

  /** The reads since refusedHead(). */
  rest(): Buffer[] {
    const rest = this.#handover ?? [];
    this.#handover = [];
    return rest;
  }

  close(): void {
    this.#kept = null;
    if (this.#lineEndTimer) this.#stopLineEnds();
  }

  /** A read of nothing but CR and LF (no message began in it, none in progress). */
  #countLineEnds(n: number): void {
    this.#lineEnds += n;
    if (this.#lineEnds > skipLimit(this.#opts.rules, this.#opts.headLimit)) {
      this.#stopLineEnds();
      this.#opts.onLineEnds(431);
      return;
    }
    if (this.#lineEndTimer || this.#opts.headerTimeoutMs <= 0) return;
    this.#lineEndTimer = setTimeout(() => {
      this.#lineEndTimer = null;
      this.#opts.onLineEnds(408);
    }, this.#opts.headerTimeoutMs);
    this.#lineEndTimer.unref();
  }

  #stopLineEnds(): void {
    if (this.#lineEndTimer) clearTimeout(this.#lineEndTimer);
    this.#lineEndTimer = null;
    this.#lineEnds = 0;
  }
}
