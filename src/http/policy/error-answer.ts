// The error answer, written once for node:http's objects: an app error is a
// 500 (or the page an injected renderer makes, e.g. the dev server's debug
// page), a client that left is only noted, and a parse error the parser found
// behind the strict gate closes the connection. Used by HttpServer in workers.

import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import type { Logger } from '../../log/logger.js';
import { errorResponse } from '../http-error.js';
import { httpMessageOf } from '../node-internals.js';

/** Answers an uncaught app error instead of the plain 500 (injected; http/ names no renderer). */
export type ErrorRenderer = (err: unknown, req: IncomingMessage, res: ServerResponse) => void;

export function answerAppError(err: unknown, req: IncomingMessage, res: ServerResponse, logger: Logger, render: ErrorRenderer | undefined): void {
  if (!res.writableEnded && (res.destroyed || req.socket.destroyed)) {
    // The client left mid-request (its body stream or our writes failed): not the app's fault.
    logger.debug(`Client went away during ${req.method} ${req.url}: ${err instanceof Error ? err.message : String(err)}`);
    return;
  }
  logger.exception(`Error handling request ${req.method} ${req.url}`, err);
  if (!res.headersSent && render) {
    render(err, req, res);
  } else if (!res.headersSent) {
    res.shouldKeepAlive = false;
    // HTTP/2 forbids connection-specific fields; its stream ends on its own.
    const close = req.httpVersionMajor < 2 ? { connection: 'close' } : {};
    res.writeHead(500, { 'content-type': 'text/plain; charset=utf-8', 'content-length': '21', ...close });
    res.end('Internal Server Error');
  } else {
    // Headers are out: only a broken connection tells the client the body is incomplete.
    res.destroy(err instanceof Error ? err : new Error(String(err)));
  }
}

/** node:http's clientError behind the strict gate: only bytes the gate accepted reach the parser, so this is rare (a body cut short, a timeout). */
export function gateClientError(err: NodeJS.ErrnoException, socket: Socket): void {
  if (err.code !== 'ECONNRESET' && socket.writable && !socket.destroyed && !httpMessageOf(socket)?.headersSent) {
    socket.end(errorResponse(err.code === 'HPE_HEADER_OVERFLOW' ? 431 : err.code === 'ERR_HTTP_REQUEST_TIMEOUT' ? 408 : 400));
  }
  socket.destroy();
}
