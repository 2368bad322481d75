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
  return (res as unknown as { _header?: string | null })._header ?? '';
}

function headerFromHead(head: string, name: string): string | undefined {
  const re = new RegExp(`\\r\\n${name.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}:[ \\t]*([^\\r]*)`, 'i');
  return re.exec(head)?.[1];
}

export function accessRecord(req: IncomingMessage, res: ServerResponse, startedAt: number, durationNs: bigint, socketBytesAtStart: number): AccessRecord {
  const head = writtenHead(res);
  const written = (req.socket.bytesWritten ?? 0) - socketBytesAtStart - Buffer.byteLength(head);
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
