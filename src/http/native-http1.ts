// HTTP/1.1 read by node:http's own parser (llhttp) straight from the socket:
// what it refuses is answered (431, 408, 400) after the responses before it,
// and a connection whose first request it refuses is handed to the strict
// parser, which may accept it (unknown methods, non-ASCII targets, CONNECT).
// Created by HttpServer for native listeners; runs in workers.

import type { IncomingMessage, ServerResponse, Server } from 'node:http';
import type { Socket } from 'node:net';
import type { Logger } from '../log/logger.js';
import { endWithError } from './http-error.js';
import { releaseFromHttp } from './node-internals.js';

type HttpSocket = Socket & { _httpMessage?: ServerResponse | null };

export interface NativeHttp1Options {
  readonly logger: Logger;
  /** Serves a connection with the strict parser from its first byte; `bytes` were read already. */
  readonly toStrict: ((socket: Socket, bytes: Buffer) => void) | null;
}

/** llhttp's verdicts that are no request to refuse: the client left, or sent after its own `Connection: close`. */
const SILENT = new Set(['ECONNRESET', 'HPE_CLOSED_CONNECTION', 'HPE_INVALID_EOF_STATE']);

export class NativeHttp1 {
  readonly #options: NativeHttp1Options;
  /** Connections node:http has handed a request from: their bytes so far are no longer all at hand. */
  readonly #served = new WeakSet<Socket>();
  readonly #handedOver = new WeakSet<Socket>();

  constructor(options: NativeHttp1Options) {
    this.#options = options;
  }

  install(server: Server): void {
    server.on('clientError', (err: NodeJS.ErrnoException & { rawPacket?: Buffer }, socket: Socket) => this.#onClientError(err, socket));
    // CONNECT: node:http has let go of the socket; the strict parser decides what it is.
    server.on('connect', (req: IncomingMessage, socket: Socket, head: Buffer) => this.#onConnect(req, socket, head));
  }

  /** node:http handed a request from `socket` to the app's side. */
  served(socket: Socket): void {
    this.#served.add(socket);
  }

  #onClientError(err: NodeJS.ErrnoException & { rawPacket?: Buffer }, socket: Socket): void {
    if (this.#handedOver.has(socket)) return;
    const code = err.code ?? '';
    // A body broken or cut short: the app has the request, so only the closed connection can tell it
    // (node:http then emits 'aborted' and an error on the request).
    const inFlight = (socket as HttpSocket)._httpMessage;
    if (inFlight && !inFlight.req.complete) {
      this.#options.logger.debug(`Request body from ${socket.remoteAddress ?? 'a unix socket'} broken: ${code} ${err.message}`);
      socket.destroy();
      return;
    }
    if (SILENT.has(code)) {
      afterInFlight(socket, () => socket.destroySoon());
      return;
    }
    const status = code === 'HPE_HEADER_OVERFLOW' ? 431 : code === 'ERR_HTTP_REQUEST_TIMEOUT' ? 408 : 400;
    const raw = err.rawPacket;
    if (status === 400 && this.#options.toStrict && !this.#served.has(socket) && raw && socket.bytesRead === raw.length) {
      this.#handOver(socket, Buffer.from(raw));
      return;
    }
    this.#options.logger.debug(`Rejected a request from ${socket.remoteAddress ?? 'a unix socket'}: ${status} ${code} ${err.message}`);
    afterInFlight(socket, () => endWithError(socket, status, code || err.message));
  }

  #onConnect(req: IncomingMessage, socket: Socket, head: Buffer): void {
    if (!this.#options.toStrict || this.#served.has(socket)) {
      endWithError(socket, 400, 'CONNECT is not served');
      return;
    }
    this.#handedOver.add(socket);
    // The head as llhttp read it (it checked every byte); the strict parser reads it again.
    let text = `${req.method} ${req.url} HTTP/${req.httpVersion}\r\n`;
    for (let i = 0; i < req.rawHeaders.length; i += 2) text += `${req.rawHeaders[i]}: ${req.rawHeaders[i + 1]}\r\n`;
    this.#options.toStrict(socket, Buffer.concat([Buffer.from(`${text}\r\n`, 'latin1'), head]));
  }

  #handOver(socket: Socket, bytes: Buffer): void {
    this.#handedOver.add(socket);
    // Inside node:http's parser callback: let it return before its parser is freed.
    socket.pause();
    setImmediate(() => {
      if (socket.destroyed) return;
      if (!releaseFromHttp(socket)) {
        endWithError(socket, 400);
        return;
      }
      this.#options.toStrict!(socket, bytes);
      socket.resume();
    });
  }
}

/** Runs `fn` once the response being written on `socket` (a pipelined one before the refusal) is done. */
function afterInFlight(socket: Socket, fn: () => void): void {
  const inFlight = (socket as HttpSocket)._httpMessage;
  if (inFlight && !inFlight.writableFinished) {
    inFlight.once('close', () => setImmediate(() => afterInFlight(socket, fn)));
    return;
  }
  if (socket.destroyed || !socket.writable) socket.destroy();
  else fn();
}
