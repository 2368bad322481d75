// The access log as JSON lines (`--access-log-json`), one object per request,
// for log shippers that should not need a parsing pattern. Runs in workers.

import type { AccessRecord, AccessSink } from './access-log.js';
import type { LogSink } from './logger.js';

export function accessJson(r: AccessRecord): string {
  const q = r.target.indexOf('?');
  return JSON.stringify({
    time: new Date(r.startedAt).toISOString(),
    remote_addr: r.remoteAddress,
    method: r.method,
    path: q < 0 ? r.target : r.target.slice(0, q),
    query: q < 0 ? '' : r.target.slice(q + 1),
    protocol: `HTTP/${r.httpVersion}`,
    status: r.status,
    bytes: r.bodyBytes,
    duration_ms: Number(r.durationNs) / 1e6,
    referer: r.requestHeader('referer') ?? null,
    user_agent: r.requestHeader('user-agent') ?? null,
    pid: process.pid,
  });
}

export class JsonAccessLog implements AccessSink {
  readonly #sink: LogSink;

  constructor(sink: LogSink) {
    this.#sink = sink;
  }

  write(record: AccessRecord): void {
    this.#sink.write(`${accessJson(record)}\n`);
  }

  reopen(): Error | null {
    return this.#sink.reopen();
  }

  get target(): string {
    return this.#sink.target;
  }
}
