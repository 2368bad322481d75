// node:http's parser misreads some heads the strict gate accepts (unknown
// methods, CONNECT, non-ASCII targets, stacked codings, folded or stripped
// fields). The gate hands those over in a canonical form with a marker field;
// this restores what they stood for on the IncomingMessage before the app
// sees it. One per node:http connection, owned by its gate; runs in workers.

import type { IncomingMessage, ServerResponse } from 'node:http';
import { FIXUP_HEADER, type RequestHead } from './head-rules.js';
import { replaceHeaderLines } from './node-internals.js';

/** What a rewritten head's request must look like to the app. */
interface Fixup {
  readonly method: string;
  readonly url: string;
  readonly rawHeaders: string[] | null;
  readonly close: boolean;
}

export class HeadFixups {
  readonly #fixups = new Map<string, Fixup>();
  #next = 0;

  /** The head as node:http's parser is given it. */
  serialize(head: RequestHead): Buffer {
    const f = head.forward ?? { method: head.method, target: head.target, headers: head.headers, fixHeaders: false };
    let s = `${f.method} ${f.target} HTTP/${head.major}.${head.minor}\r\n`;
    for (let i = 0; i < f.headers.length; i += 2) s += `${f.headers[i]}: ${f.headers[i + 1]}\r\n`;
    if (f.method !== head.method || f.target !== head.target || f.fixHeaders || head.forceClose) {
      const id = String(this.#next++);
      this.#fixups.set(id, { method: head.method, url: head.target, rawHeaders: f.fixHeaders ? head.headers : null, close: head.forceClose });
      s += `${FIXUP_HEADER}: ${id}\r\n`;
    }
    return Buffer.from(`${s}\r\n`, 'latin1');
  }

  /** Called for every request before anyone else sees it: restores method, target and header fields. */
  prepare(req: IncomingMessage, res: ServerResponse): void {
    const raw = req.rawHeaders;
    const n = raw.length;
    if (n < 2 || raw[n - 2] !== FIXUP_HEADER) return;
    const fix = this.#fixups.get(raw[n - 1]!);
    this.#fixups.delete(raw[n - 1]!);
    if (!fix) return;
    req.method = fix.method;
    req.url = fix.url;
    const headers = fix.rawHeaders ?? raw.slice(0, n - 2);
    replaceHeaderLines(req, headers);
    if (fix.close) res.shouldKeepAlive = false;
  }
}
