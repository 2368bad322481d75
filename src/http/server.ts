// The HTTP server a worker runs: one node:http server per inherited listening
// socket, the app behind one request listener, request accounting, and the
// graceful drain. Knows nothing of processes: the worker creates it and tells
// it when to drain.

import http, { type IncomingMessage, type ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import type { LoadedApp } from '../app/loader.js';
import type { AccessLog } from '../log/access-log.js';
import type { Logger } from '../log/logger.js';
import { fetchAdapter } from './fetch-adapter.js';

export interface HttpServerOptions {
  readonly logger: Logger;
  readonly accessLog: AccessLog | null;
  /** Seconds an idle kept-alive connection stays open; 0 turns keep-alive off. */
  readonly keepalive: number;
  readonly backlog: number;
  /** Sees each request before the app; true when it answered it (the dev server's static files). */
  readonly intercept?: ((req: IncomingMessage, res: ServerResponse) => boolean) | undefined;
  /** Answers an app error instead of the plain 500 (the dev server's debug page; never in production). */
  readonly renderError?: ((err: unknown, req: IncomingMessage, res: ServerResponse) => void) | undefined;
}

type Listener = (req: IncomingMessage, res: ServerResponse) => void;

/** How long a connection accepted before a drain has to send its first request. */
const FRESH_GRACE_MS = 500;

export class HttpServer {
  readonly #options: HttpServerOptions;
  readonly #servers: http.Server[] = [];
  readonly #listener: Listener;
  readonly #active = new Set<ServerResponse>();
  readonly #pending = new Set<Promise<unknown>>();
  /** Connections that have not sent a request yet (a browser's preconnect): closeIdleConnections leaves them open. */
  readonly #fresh = new Set<Socket>();
  #draining = false;
  #served = 0;

  constructor(app: LoadedApp, options: HttpServerOptions) {
    this.#options = options;
    const onError = (err: unknown, req: IncomingMessage, res: ServerResponse) => this.#onAppError(err, req, res);
    const inner: Listener =
      app.kind === 'fetch'
        ? fetchAdapter(app.handler, { onError, waitUntil: (p) => this.#waitUntil(p) })
        : (req, res) => {
            try {
              const r = app.listener(req, res) as { then?: unknown; catch?: unknown } | undefined;
              if (r && typeof r.then === 'function') (r as Promise<unknown>).catch((err) => onError(err, req, res));
            } catch (err) {
              onError(err, req, res);
            }
          };
    this.#listener = (req, res) => this.#track(req, res, inner);
  }

  get requestsServed(): number {
    return this.#served;
  }

  get inFlight(): number {
    return this.#active.size;
  }

  /** Starts accepting on an inherited listening socket. */
  listen(fd: number): Promise<void> {
    const server = http.createServer({ keepAliveTimeout: this.#options.keepalive * 1000 }, this.#listener);
    server.on('clientError', (err: NodeJS.ErrnoException, socket) => {
      if (socket.writable && !socket.destroyed && err.code !== 'ECONNRESET') {
        socket.end('HTTP/1.1 400 Bad Request\r\nConnection: close\r\nContent-Length: 0\r\n\r\n');
      } else {
        socket.destroy();
      }
    });
    server.on('connection', (socket: Socket) => {
      this.#fresh.add(socket);
      socket.once('close', () => this.#fresh.delete(socket));
    });
    this.#servers.push(server);
    return new Promise((resolve, reject) => {
      server.once('error', reject);
      server.listen({ fd, backlog: this.#options.backlog }, () => {
        server.off('error', reject);
        resolve();
      });
    });
  }

  #track(req: IncomingMessage, res: ServerResponse, inner: Listener): void {
    this.#served++;
    this.#fresh.delete(req.socket);
    this.#active.add(res);
    if (this.#draining || this.#options.keepalive === 0) res.shouldKeepAlive = false;
    const startedAt = Date.now();
    const start = process.hrtime.bigint();
    res.once('close', () => {
      this.#active.delete(res);
      if (this.#options.accessLog) this.#logAccess(req, res, startedAt, process.hrtime.bigint() - start);
      if (this.#draining) setImmediate(() => this.#closeIdle());
    });
    if (this.#options.intercept?.(req, res)) return;
    inner(req, res);
  }

  #logAccess(req: IncomingMessage, res: ServerResponse, startedAt: number, durationNs: bigint): void {
    const length = res.getHeader('content-length');
    this.#options.accessLog!.write({
      remoteAddress: req.socket.remoteAddress ?? '',
      method: req.method ?? '',
      target: req.url ?? '',
      httpVersion: req.httpVersion,
      status: res.statusCode,
      bodyBytes: length === undefined ? 0 : Number(length),
      startedAt,
      durationNs,
      requestHeader: (name) => {
        const v = req.headers[name];
        return Array.isArray(v) ? v.join(', ') : v;
      },
      responseHeader: (name) => {
        const v = res.getHeader(name);
        return v === undefined ? undefined : String(v);
      },
    });
  }

  #onAppError(err: unknown, req: IncomingMessage, res: ServerResponse): void {
    this.#options.logger.exception(`Error handling request ${req.method} ${req.url}`, err);
    if (!res.headersSent && this.#options.renderError) {
      this.#options.renderError(err, req, res);
    } else if (!res.headersSent) {
      res.shouldKeepAlive = false;
      res.writeHead(500, { 'content-type': 'text/plain; charset=utf-8', 'content-length': '21', connection: 'close' });
      res.end('Internal Server Error');
    } else {
      // Headers are out: only a broken connection tells the client the body is incomplete.
      res.destroy(err instanceof Error ? err : new Error(String(err)));
    }
  }

  #waitUntil(promise: Promise<unknown>): void {
    const p = Promise.resolve(promise).catch((err) => this.#options.logger.exception('A waitUntil promise rejected', err));
    this.#pending.add(p);
    void p.finally(() => this.#pending.delete(p));
  }

  #closeIdle(): void {
    for (const s of this.#servers) s.closeIdleConnections();
  }

  /**
   * Stops accepting, lets in-flight requests finish (answered with
   * `Connection: close`), closes idle connections, and resolves when every
   * connection is closed and every waitUntil promise has settled.
   */
  async drain(): Promise<void> {
    this.#draining = true;
    for (const res of this.#active) if (!res.headersSent) res.shouldKeepAlive = false;
    const closed = this.#servers.map((s) => new Promise<void>((resolve) => s.close(() => resolve())));
    this.#closeIdle();
    // A connection that never sends a request would hold the drain until the graceful timeout. One
    // just accepted may have its request on the way, so silence is judged after a short grace.
    const silent = [...this.#fresh];
    setTimeout(() => {
      for (const socket of silent) if (this.#fresh.has(socket)) socket.destroy();
    }, FRESH_GRACE_MS).unref();
    await Promise.all(closed);
    while (this.#pending.size) await Promise.allSettled([...this.#pending]);
  }
}
