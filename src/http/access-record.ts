// The access record of one finished exchange, built in one step (logAccess)
// that both stacks call: node:http's objects (logNodeAccess) or a head the
// strict gate parsed (the direct fetch path). Runs in workers, only when an
// access log is on, so its lookups cost nothing otherwise.

import type { IncomingMessage, ServerResponse } from 'node:http';
import type { AccessRecord, AccessSink } from '../log/access-log.js';
import { fieldValue } from './field-list.js';
import type { RequestHead } from './head-rules.js';
import { writtenHead } from './node-internals.js';
import { forwardedInfo } from './proxy-headers.js';


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

/** The request as the access log sees it, whichever stack parsed it. */
export interface AccessRequest {
  readonly method: string;
  /** Path and query, as sent. */
  readonly target: string;
  readonly httpVersion: string;
  /** A field by lower-case name, repeats joined. */
  header(name: string): string | undefined;
}

/** The response as written: its status, body size and fields. */
export interface AccessResponse {
  readonly status: number;
  readonly bodyBytes: number;
  /** A field by lower-case name. */
  header(name: string): string | undefined;
}

/**
 * The one access-record step of both stacks: the record of a finished
 * exchange, handed to every sink. `clientAddress` is the client through
 * trusted proxies, as issue 6 asks.
 */
export function logAccess(sinks: readonly AccessSink[], request: AccessRequest, response: AccessResponse, clientAddress: string, startedAt: number, durationNs: bigint): void {
  const record: AccessRecord = {
    remoteAddress: clientAddress,
    method: request.method,
    target: request.target,
    httpVersion: request.httpVersion,
    status: response.status,
    bodyBytes: Math.max(0, response.bodyBytes),
    startedAt,
    durationNs,
    requestHeader: (name) => request.header(name.toLowerCase()),
    responseHeader: (name) => response.header(name.toLowerCase()),
  };
  for (const sink of sinks) sink.write(record);
}

/**
 * node:http's request and response, as logAccess reads them. `bodyBytes` when
 * counted already (HTTP/2, http2BodyCounter), else what the socket wrote past the head.
 */
export function logNodeAccess(sinks: readonly AccessSink[], req: IncomingMessage, res: ServerResponse, startedAt: number, durationNs: bigint, socketBytesAtStart: number, bodyBytes?: number): void {
  const head = writtenHead(res);
  const request: AccessRequest = {
    method: req.method ?? '',
    target: req.url ?? '',
    httpVersion: req.httpVersion,
    header: (name) => {
      const v = req.headers[name];
      return Array.isArray(v) ? v.join(', ') : v;
    },
  };
  const response: AccessResponse = {
    status: res.statusCode,
    bodyBytes: bodyBytes ?? (req.socket.bytesWritten ?? 0) - socketBytesAtStart - Buffer.byteLength(head),
    header: (name) => {
      const v = res.getHeader(name);
      return v === undefined ? headerFromHead(head, name) : String(v);
    },
  };
  logAccess(sinks, request, response, forwardedInfo(req).clientAddress, startedAt, durationNs);
}

/** A head the strict gate parsed (the direct fetch path), as logAccess reads it. */
export function parsedRequest(head: RequestHead): AccessRequest {
  return {
    method: head.method,
    target: head.target,
    httpVersion: `${head.major}.${head.minor}`,
    header: (name) => fieldValue(head.headers, name, false),
  };
}
