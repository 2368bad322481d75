// Builds the access log's record of one finished node:http exchange. Runs in
// workers, only when an access log is on, so its lookups cost nothing otherwise.

import type { IncomingMessage, ServerResponse } from 'node:http';
import type { AccessRecord } from '../log/access-log.js';

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
    remoteAddress: req.socket.remoteAddress ?? '',
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
