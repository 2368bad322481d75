// Builds the access log's record of one finished exchange, from node:http's
// objects or from a head the strict gate parsed (the direct fetch path). Runs
// in workers, only when an access log is on, so its lookups cost nothing otherwise.

import type { IncomingMessage, ServerResponse } from 'node:http';
import type { AccessRecord } from '../log/access-log.js';
import { fieldValue } from './field-list.js';
import type { RequestHead } from './head-rules.js';
import { forwardedInfo } from './proxy-headers.js';

/** The head node:http wrote; headers given to writeHead as a list are only visible there. */
function writtenHead(res: ServerResponse): string {
  // Node's HTTP/2 compat response has `_header` too, as a boolean.
  const head = (res as unknown as { _header?: unknown })._header;
  return typeof head === 'string' ? head : '';
}

function headerFromHead(head: string, name: string): string | undefined {
  const re = new RegExp(`\\r\\n${name.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}:[ \\t]*([^\\r]*)`, 'i');
  return re.exec(head)?.[1];
}

type Write = (chunk?: unknown, encoding?: unknown, cb?: unknown) => unknown;

/**
 * Counts the body bytes an HTTP/2 response is given: its streams share the
 * session's socket, and Node's HTTP/2 objects count nothing themselves.
 */
export function http2BodyCounter(res: ServerResponse): () => number {
  let n = 0;
  const count = (chunk: unknown, encoding: unknown) => {
    if (typeof chunk === 'string') n += Buffer.byteLength(chunk, typeof encoding === 'string' ? (encoding as BufferEncoding) : 'utf8');
    else if (chunk instanceof Uint8Array) n += chunk.byteLength;
  };
  // The compat response's end(chunk) writes the chunk through write().
  const r = res as unknown as { write: Write };
  const write = r.write;
  r.write = function (this: unknown, chunk, encoding, cb) {
    count(chunk, encoding);
    return write.call(this, chunk, encoding, cb);
  };
  return () => n;
}

/** `bodyBytes` when counted already (HTTP/2, http2BodyCounter), else what the socket wrote past the head. */
export function accessRecord(req: IncomingMessage, res: ServerResponse, startedAt: number, durationNs: bigint, socketBytesAtStart: number, bodyBytes?: number): AccessRecord {
  const head = writtenHead(res);
  const written = bodyBytes ?? (req.socket.bytesWritten ?? 0) - socketBytesAtStart - Buffer.byteLength(head);
  return {
    // `h` is the client through trusted proxies, as issue 6 asks.
    remoteAddress: forwardedInfo(req).clientAddress,
    method: req.method ?? '',
    target: req.url ?? '',
    httpVersion: req.httpVersion,
    status: res.statusCode,
    bodyBytes: Math.max(0, written),
    startedAt,
    durationNs,
    requestHeader: (name) => {
      const v = req.headers[name];
      return Array.isArray(v) ? v.join(', ') : v;
    },
    responseHeader: (name) => {
      const v = res.getHeader(name);
      return v === undefined ? headerFromHead(head, name) : String(v);
    },
  };
}

/** The record of a request served without node:http; `responseHeaders` has lower-case names. */
export function headAccessRecord(head: RequestHead, clientAddress: string, status: number, responseHeaders: readonly string[], bodyBytes: number, startedAt: number, durationNs: bigint): AccessRecord {
  return {
    remoteAddress: clientAddress,
    method: head.method,
    target: head.target,
    httpVersion: `${head.major}.${head.minor}`,
    status,
    bodyBytes,
    startedAt,
    durationNs,
    requestHeader: (name) => fieldValue(head.headers, name.toLowerCase(), false),
    responseHeader: (name) => fieldValue(responseHeaders, name.toLowerCase(), true),
  };
}
