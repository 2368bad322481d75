// Narwhal's supervision over a listen() app's own server: request tracking
// (stuck-worker reports, stats, recycling), access log and metrics, the health
// path and static files in front, and the graceful drain. Created by
// worker/listen-app.ts once the script's server accepts; worker only.

import type { IncomingMessage, ServerResponse } from 'node:http';
import type net from 'node:net';
import type { Socket } from 'node:net';
import type { CapturedServer } from '../app/listen-capture.js';
import { closeIdleConnections, interceptRequests, isHttpServer } from '../app/listen-patches.js';
import { closeOnceAccepted } from '../http/close-listener.js';
import type { DrainOptions } from '../http/server.js';
import { logNodeAccess } from '../http/access-record.js';
import type { ConnectionLimit } from '../http/connection-limit.js';
import { healthResponder, type HealthResponder } from '../http/health.js';
import { RequestRegistry, type RequestInfo } from '../http/request-registry.js';
import type { AccessSink } from '../log/access-log.js';

/** Calls the script's server for a request in place of `forward` (the dev server's debug page for Express's errors). */
export type ListenDispatch = (req: IncomingMessage, res: ServerResponse, forward: (req: IncomingMessage, res: ServerResponse) => void, listeners: readonly unknown[]) => void;

export interface ListenServingOptions {
  readonly access: readonly AccessSink[];
  readonly healthPath: string | null;
  /** Answers a request before the app (static files); true when it did. */
  readonly intercept?: ((req: IncomingMessage, res: ServerResponse) => boolean) | undefined;
  readonly onRequestDone: (served: number) => void;
  readonly dispatch?: ListenDispatch | undefined;
  /** --worker-connections over the script's server and the relays feeding it. */
  readonly limit?: ConnectionLimit | null;
}

/** How often idle connections are swept once the linger is over. */
const SWEEP_MS = 100;

export class ListenServing {
  readonly captured: CapturedServer;
  readonly #options: ListenServingOptions;
  readonly #requests = new RequestRegistry<ServerResponse>();
  readonly #sockets = new Set<Socket>();
  readonly #health: HealthResponder | null;
  #served = 0;
  #draining = false;

  constructor(captured: CapturedServer, options: ListenServingOptions) {
    this.captured = captured;
    this.#options = options;
    this.#health = options.healthPath ? healthResponder(options.healthPath) : null;
    const { server } = captured;
    server.on('connection', (socket: Socket) => {
      this.#sockets.add(socket);
      socket.once('close', () => this.#sockets.delete(socket));
    });
    options.limit?.watch(server);
    for (const relay of captured.relays) options.limit?.pauses(relay);
    if (isHttpServer(server)) interceptRequests(server, (req, res, forward) => this.#track(req, res, forward));
  }

  /** Whether Narwhal sees the server's requests (an http or https server); a raw net.Server is only drained. */
  get http(): boolean {
    return isHttpServer(this.captured.server);
  }

  get requestsServed(): number {
    return this.#served;
  }

  get inFlight(): number {
    return this.#requests.size;
  }

  get connections(): number {
    return this.#sockets.size;
  }

  /** Upgraded connections are the app's own; counted among the connections. */
  get upgraded(): number {
    return 0;
  }

  describeRequests(): { current: RequestInfo | null; inFlight: RequestInfo[] } {
    return this.#requests.describe();
  }

  #track(req: IncomingMessage, res: ServerResponse, forward: (req: IncomingMessage, res: ServerResponse) => void): void {
    this.#served++;
    const info: RequestInfo = { method: req.method ?? '', path: req.url ?? '', startedAt: Date.now() };
    this.#requests.add(res, info);
    if (this.#draining) res.shouldKeepAlive = false;
    const start = process.hrtime.bigint();
    const bytesBefore = req.socket.bytesWritten;
    res.on('close', () => {
      this.#requests.remove(res);
      if (this.#options.access.length) logNodeAccess(this.#options.access, req, res, info.startedAt, process.hrtime.bigint() - start, bytesBefore);
      this.#options.onRequestDone(this.#served);
    });
    if (this.#health?.(req, res, this.#draining)) return;
    if (this.#options.intercept?.(req, res)) return;
    const dispatch = this.#options.dispatch;
    this.#requests.run(info, dispatch ? (q, s) => dispatch(q, s, forward, this.captured.server.listeners('request')) : forward, req, res);
  }

  /**
   * Stops accepting, lets idle keep-alive connections bring a request already
   * sent for `idleLingerMs`, answers everything after with `Connection: close`,
   * and resolves once every connection has closed (the master kills the worker
   * at the graceful timeout otherwise).
   */
  async drain(options: DrainOptions): Promise<void> {
    if (this.#draining) return;
    this.#draining = true;
    for (const res of this.#requests.keys()) if (!res.headersSent) res.shouldKeepAlive = false;
    const { server, relays, fds } = this.captured;
    const { acceptQueue, acceptWaitMs = 0 } = options;
    const closed = [server, ...relays].map((s: net.Server, i) => closeOnceAccepted(s, fds[i], acceptQueue ?? (() => null), acceptWaitMs));
    let sweeper: NodeJS.Timeout | null = null;
    const linger = setTimeout(() => {
      closeIdleConnections(server);
      sweeper = setInterval(() => closeIdleConnections(server), SWEEP_MS);
    }, options.idleLingerMs);
    try {
      await Promise.all(closed);
    } finally {
      clearTimeout(linger);
      if (sweeper) clearInterval(sweeper);
    }
  }
}
