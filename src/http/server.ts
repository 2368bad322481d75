// The HTTP server a worker runs: one node:http server per inherited listening
// socket, the app behind one request listener, request accounting, and the
// graceful drain. Knows nothing of processes: the worker creates it and tells
// it when to drain.

import http, { type IncomingMessage, type ServerResponse } from 'node:http';
import net, { type Socket } from 'node:net';
import type { LoadedApp } from '../app/loader.js';
import type { AccessLog } from '../log/access-log.js';
import type { Logger } from '../log/logger.js';
import { accessRecord } from './access-record.js';
import { fetchAdapter } from './fetch-adapter.js';
import type { HealthResponder } from './health.js';
import { ContradictorySchemeHeaders, FORWARDED_INFO, forwardedInfo, type ProxyTrust } from './proxy-headers.js';

export interface HttpServerOptions {
  readonly logger: Logger;
  readonly accessLog: AccessLog | null;
  /** Seconds an idle kept-alive connection stays open; 0 turns keep-alive off. */
  readonly keepalive: number;
  readonly backlog: number;
  /** Trusted-proxy headers (http/proxy-headers.ts); null believes no header. */
  readonly proxy?: ProxyTrust | null;
  /** The --health-path responder (http/health.ts), answered before the app. */
  readonly health?: HealthResponder | null;
}

type Listener = (req: IncomingMessage, res: ServerResponse) => void;

export class HttpServer {
  readonly #options: HttpServerOptions;
  readonly #servers: http.Server[] = [];
  readonly #listener: Listener;
  readonly #active = new Set<ServerResponse>();
  /** Open connections, so the drain can give idle ones a deadline. */
  readonly #sockets = new Set<Socket>();
  readonly #pending = new Set<Promise<unknown>>();
  #draining = false;
  #served = 0;

  constructor(app: LoadedApp, options: HttpServerOptions) {
    this.#options = options;
    const onError = (err: unknown, req: IncomingMessage, res: ServerResponse) => this.#onAppError(err, req, res);
    const inner: Listener =
      app.kind === 'fetch'
        ? fetchAdapter(app.handler, { onError, waitUntil: (p) => this.#waitUntil(p), forwarded: forwardedInfo })
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
    this.#servers.push(server);
    server.on('connection', (socket: Socket) => {
      this.#sockets.add(socket);
      socket.once('close', () => this.#sockets.delete(socket));
    });
    return new Promise((resolve, reject) => {
      server.once('error', reject);
      // With an fd, node:http takes the backlog only as a positional argument.
      server.listen({ fd }, this.#options.backlog, () => {
        server.off('error', reject);
        resolve();
      });
    });
  }

  #track(req: IncomingMessage, res: ServerResponse, inner: Listener): void {
    this.#served++;
    this.#active.add(res);
    if (this.#draining || this.#options.keepalive === 0) res.shouldKeepAlive = false;
    // A request on a lingering idle connection (see drain): no deadline may cut its answer short.
    if (this.#draining) req.socket.setTimeout(0);
    const accessLog = this.#options.accessLog;
    const startedAt = accessLog ? Date.now() : 0;
    const start = accessLog ? process.hrtime.bigint() : 0n;
    const bytesBefore = accessLog ? req.socket.bytesWritten : 0;
    res.once('close', () => {
      this.#active.delete(res);
      if (accessLog) accessLog.write(accessRecord(req, res, startedAt, process.hrtime.bigint() - start, bytesBefore));
    });
    if (this.#options.health?.(req, res, this.#draining)) return;
    if (this.#options.proxy && !this.#forwarded(req, res, this.#options.proxy)) return;
    inner(req, res);
  }

  /** Leaves the request's scheme and client address on it; false when it was answered with a 400. */
  #forwarded(req: IncomingMessage, res: ServerResponse, proxy: ProxyTrust): boolean {
    try {
      const info = proxy.resolve(req);
      // A symbol-keyed, non-enumerable property: the one mark left on node:http's object.
      if (info) Object.defineProperty(req, FORWARDED_INFO, { value: info });
      return true;
    } catch (err) {
      if (!(err instanceof ContradictorySchemeHeaders)) throw err;
      res.shouldKeepAlive = false;
      res.writeHead(400, { 'content-type': 'text/plain; charset=utf-8', connection: 'close' });
      res.end(`Bad Request: ${err.message}\n`);
      return false;
    }
  }

  #onAppError(err: unknown, req: IncomingMessage, res: ServerResponse): void {
    this.#options.logger.exception(`Error handling request ${req.method} ${req.url}`, err);
    if (!res.headersSent) {
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

  /**
   * Stops accepting, lets in-flight requests finish (answered with
   * `Connection: close`), and resolves when every connection is closed and
   * every waitUntil promise has settled.
   *
   * Idle connections are not cut at once: closing one races a proxy (nginx)
   * that is sending its next request on it right now, and a POST lost that way
   * is a 502, since nginx does not retry it. Each idle connection stays open,
   * still reading, for the keep-alive time the clients were told; a request
   * arriving meanwhile is served with `Connection: close`. A proxy whose idle
   * timeout is shorter than --keep-alive closes them first (docs/deployment.md).
   */
  async drain(): Promise<void> {
    this.#draining = true;
    for (const res of this.#active) if (!res.headersSent) res.shouldKeepAlive = false;
    // net.Server's close, not http.Server's: since Node 19 the latter also closes idle connections.
    const closed = this.#servers.map((s) => new Promise<void>((resolve) => net.Server.prototype.close.call(s, () => resolve())));
    const busy = new Set([...this.#active].map((res) => res.socket));
    // node:http destroys a connection whose timeout fires while no request is in progress.
    const lingerMs = Math.max(this.#options.keepalive, 1) * 1000;
    for (const socket of this.#sockets) if (!busy.has(socket)) socket.setTimeout(lingerMs);
    await Promise.all(closed);
    while (this.#pending.size) await Promise.allSettled([...this.#pending]);
  }
}
