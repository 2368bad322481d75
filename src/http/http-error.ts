// The errors the strict HTTP/1.1 layer raises while reading a request, each
// with the status Gunicorn answers it with. Created by the head and body
// readers; the connection gate turns them into a response. Runs in workers.

import type { ServerResponse } from 'node:http';
import type { Socket } from 'node:net';

const REASONS: Readonly<Record<number, string>> = {
  400: 'Bad Request',
  403: 'Forbidden',
  408: 'Request Timeout',
  431: 'Request Header Fields Too Large',
  405: 'Method Not Allowed',
  500: 'Internal Server Error',
  501: 'Not Implemented',
  503: 'Service Unavailable',
};

export class HttpError extends Error {
  /** `head`: found before the app saw the request; `body`: while its body was read. */
  constructor(
    readonly status: number,
    message: string,
    readonly phase: 'head' | 'body' = 'head',
  ) {
    super(message);
    this.name = 'HttpError';
  }
}

/** One line: the status's reason phrase and, when given, why (control characters dropped). */
export function reasonLine(status: number, why?: string): string {
  const reason = REASONS[status] ?? 'Error';
  return why ? `${reason}: ${why.replace(/[\x00-\x1f\x7f]/g, ' ')}\n` : `${reason}\n`;
}

/** The whole response that answers a rejected request and closes the connection. */
export function errorResponse(status: number, why?: string): string {
  const reason = REASONS[status] ?? 'Error';
  const body = reasonLine(status, why);
  return `HTTP/1.1 ${status} ${reason}\r\nConnection: close\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`;
}

/** How long, and how many bytes, a refused client's further sending is read and dropped after the answer. */
const LINGER_MS = 2000;
const LINGER_BYTES = 1024 * 1024;

/**
 * Answers `status` (and why) and closes with a lingering close: the write side
 * ends, and what the client still sends is read and dropped (a short, bounded
 * while) until it closes too. Closing with unread bytes would reset the
 * connection, and a reset can discard the answer before the client reads it.
 */
export function endWithError(socket: Socket, status: number, why?: string, graceMs = LINGER_MS): void {
  socket.end(errorResponse(status, why));
  const timer = setTimeout(() => socket.destroy(), graceMs);
  timer.unref();
  socket.once('close', () => clearTimeout(timer));
  let dropped = 0;
  socket.on('data', (chunk: Buffer) => {
    dropped += chunk.length;
    if (dropped > LINGER_BYTES) socket.destroy();
  });
  // Once the client has ended too and the answer is flushed, the socket closes itself.
  socket.resume();
}

/** Answers a refused request on node:http's response with its status and a one-line reason, and closes. */
export function refuseWith(res: ServerResponse, err: HttpError): void {
  const body = reasonLine(err.status, err.message);
  res.shouldKeepAlive = false;
  const close = res.req.httpVersionMajor < 2 ? { connection: 'close' } : {};
  // RFC 9110 15.5.6: a 405 lists the methods the target takes.
  const allow = err.status === 405 ? { allow: 'GET, HEAD, POST, PUT, PATCH, DELETE, OPTIONS' } : {};
  res.writeHead(err.status, { 'content-type': 'text/plain; charset=utf-8', 'content-length': String(Buffer.byteLength(body)), ...allow, ...close });
  res.end(body);
}
