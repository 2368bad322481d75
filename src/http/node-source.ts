// The RequestSource (fetch-request.ts) of a request node:http parsed: the
// IncomingMessage and its ServerResponse. Used by fetch-adapter.ts in workers
// for the requests node:http carries (TLS, HTTP/2, apps that take upgrades).

import type { IncomingMessage, ServerResponse } from 'node:http';
import { absoluteUrl, type RequestSource } from './fetch-request.js';
import { schemeOf } from './proxy-headers.js';
import { listenerAuthority } from './wire/host.js';
import { clientGone } from './policy/client-gone.js';

/**
 * A pull-based body: nothing is read from the socket until the app reads.
 * Once the app cancels it, what still arrives is read and dropped (enqueueing
 * into a cancelled stream throws). A body that ends before its length or last
 * chunk (the client left, a reset) errors the stream: never a shorter body
 * that looks complete.
 */
function requestBody(req: IncomingMessage): ReadableStream<Uint8Array> {
  let settled = false;
  return new ReadableStream<Uint8Array>({
    start(controller) {
      const fail = (err: Error) => {
        if (settled) return;
        settled = true;
        controller.error(err);
      };
      req.on('data', (chunk: Buffer) => {
        if (settled) return;
        controller.enqueue(new Uint8Array(chunk.buffer, chunk.byteOffset, chunk.byteLength));
        if ((controller.desiredSize ?? 0) <= 0) req.pause();
      });
      req.once('end', () => {
        if (settled) return;
        settled = true;
        controller.close();
      });
      req.once('error', fail);
      req.once('aborted', () => fail(new Error('the request body was cut short: the client went away')));
      req.once('close', () => {
        if (!req.complete) fail(new Error('the request body was cut short: the connection closed'));
      });
      req.pause();
    },
    pull() {
      req.resume();
    },
    cancel() {
      settled = true;
      req.resume();
    },
  }, { highWaterMark: 1 });
}

function hasBody(req: IncomingMessage): boolean {
  // HTTP/2 needs no length or chunking: a stream not ended with its headers has a body.
  const stream = (req as { stream?: { endAfterHeaders: boolean } }).stream;
  if (stream !== undefined) return !stream.endAfterHeaders;
  const length = req.headers['content-length'];
  return req.headers['transfer-encoding'] !== undefined || (length !== undefined && length !== '0');
}

export class NodeRequestSource implements RequestSource {
  readonly #req: IncomingMessage;
  readonly #res: ServerResponse;

  constructor(req: IncomingMessage, res: ServerResponse) {
    this.#req = req;
    this.#res = res;
  }

  get method(): string {
    return this.#req.method ?? 'GET';
  }

  url(): string {
    const req = this.#req;
    // HTTP/2 carries the host as :authority (node's compat request has no Host then).
    // An empty Host (allowed) names no authority: the URL must not take its path's first segment for one.
    const host = req.headers.host || (req.headers[':authority'] as string | undefined) || listenerAuthority(req.socket.localAddress, req.socket.localPort);
    return absoluteUrl(req.url ?? '/', schemeOf(req), host);
  }

  headerList(): readonly string[] {
    return this.#req.rawHeaders;
  }

  body(): ReadableStream<Uint8Array> | null {
    return hasBody(this.#req) ? requestBody(this.#req) : null;
  }

  signal(): AbortSignal {
    return clientGone(this.#res);
  }
}
