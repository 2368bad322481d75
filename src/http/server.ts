// The HTTP server a worker runs: one server per inherited listening socket,
// the app behind it, request accounting, and the graceful drain. A fetch-style
// app on plain HTTP/1.1 is served by fetch-connection.ts straight from the
// strict gate; everything else goes through node:http (TLS, HTTP/2, node-style
// apps, apps that take upgrades). Knows nothing of processes: the
// worker creates it and tells it when to drain.

import type { IncomingMessage, ServerResponse } from 'node:http';
import type * as Http from 'node:http';
import http from './node-http.js';
import net, { type Socket } from 'node:net';
import type { TLSSocket } from 'node:tls';
import type { TlsFiles } from '../config/tls-files.js';
import type { FetchHandler, LoadedApp } from '../app/loader.js';
import type { AccessSink } from '../log/access-log.js';
import type { Logger } from '../log/logger.js';
import { http2BodyCounter, logNodeAccess } from './access-record.js';
import { ConnectionGate, type GateOptions } from './connection-gate.js';
import { FIXUP_HEADER } from './head-rules.js';
import { fetchAdapter } from './fetch-adapter.js';
import { healthResponder, type HealthResponder } from './health.js';
import { FetchConnection, type DirectDev, type FetchService } from './fetch-connection.js';
import type { Exchange } from './fetch-exchange.js';
import type { ProxyTrust } from './proxy-headers.js';
import { answerAppError, gateClientError } from './policy/error-answer.js';
import { DateField, applyForwarded } from './policy/forwarded.js';
import { hasUpgradeField, withHooks } from './policy/request-hooks.js';
import { http1Settings, servesDirect, usesNativeParser } from './transport.js';
import { NativeHttp1 } from './native-http1.js';
import { missingAtStart } from './node-internals.js';
import { ConnectionTracker } from './connections.js';
import { closeOnceAccepted, type QueueReader } from './close-listener.js';
import { ConnectionLimit } from './connection-limit.js';
import { RequestRegistry, TrackedRequest, type RequestInfo } from './request-registry.js';
import { Http2Sessions, applyHeaderMap, checkAuthority, type Http2Limits } from './http2.js';
import { createTlsServer, refusesPeer } from './tls.js';
import { Upgrades } from './upgrade.js';

export interface HttpServerOptions {
  readonly logger: Logger;
  /** Told of each finished request (access logs, statsd); empty for none. */
  readonly access: readonly AccessSink[];
  /** Seconds an idle kept-alive connection stays open; 0 turns keep-alive off. */
  readonly keepalive: number;
  readonly backlog: number;
  /** --worker-connections: past this many open connections, stop accepting (0: no limit). */
  readonly workerConnections?: number;
  /** Strict HTTP/1.1: limits, leniencies, PROXY protocol, header and body timeouts. */
  readonly gate: GateOptions;
  /** Serve TLS (and HTTP/2 beside HTTP/1.1 when on) with these files, read at worker boot. */
  readonly tls?: TlsFiles | null | undefined;
  /** Called around each request when the config sets preRequest/postRequest hooks. */
  readonly hooks?: RequestHooks | undefined;
  /** Called after each response is done (the worker checks recycling limits between requests). */
  readonly onRequestDone?: () => void;
  /** Sees each request before the app; true when it answered it (the dev server's static files). */
  readonly intercept?: ((req: IncomingMessage, res: ServerResponse) => boolean) | undefined;
  /** Answers an app error instead of the plain 500 (the dev server's debug page; never in production). */
  readonly renderError?: ((err: unknown, req: IncomingMessage, res: ServerResponse) => void) | undefined;
  /** intercept and renderError's counterparts for fetch-style apps served without node:http. */
  readonly dev?: DirectDev | null | undefined;
  /** Trusted-proxy headers: the scheme and client address (http/proxy-headers.ts); null believes no header. */
  readonly proxy?: ProxyTrust | null;
  /** --health-path (http/health.ts), answered before the app. */
  readonly healthPath?: string | null;
}

export interface RequestHooks {
  readonly preRequest?: ((request: Request | IncomingMessage) => void) | undefined;
  /** For fetch-style apps, called when the app's Response is ready (before its body streams). */
  readonly postRequest?: ((request: Request | IncomingMessage, status: number) => void) | undefined;
}

export interface DrainOptions {
  /** How long an idle keep-alive connection stays open, still reading, once the drain starts. */
  readonly idleLingerMs: number;
  /** Reads a listening fd's accept queue: a listener closes once it is empty (close-listener.ts). */
  readonly acceptQueue?: QueueReader | undefined;
  /** The longest a listener keeps accepting, for that queue to empty. */
  readonly acceptWaitMs?: number | undefined;
}

type Listener = (req: IncomingMessage, res: ServerResponse) => void;

/** Node's HTTP/2 compat response counts no body bytes of its own: the access record's size comes from here. */
const HTTP2_BYTES = Symbol('narwhal.http2-bytes');
type TrackedResponse = ServerResponse & { [HTTP2_BYTES]?: () => number };

export class HttpServer {
  readonly #options: HttpServerOptions;
  readonly #servers: net.Server[] = [];
  /** The inherited fd each server listens on. */
  readonly #fds = new Map<net.Server, number>();
  readonly #listener: Listener;
  /** The 'close' listener of every response #track follows. */
  readonly #onResponseClose: (this: ServerResponse) => void;
  readonly #connections = new ConnectionTracker();
  readonly #limit: ConnectionLimit | null;
  /** The requests in flight, by response. */
  /** Keyed by node:http's ServerResponse or by the Exchange of a directly served request. */
  readonly #requests = new RequestRegistry<ServerResponse | Exchange>();
  readonly #health: HealthResponder | null;
  /** Set when plain HTTP/1.1 connections are served without node:http (a fetch-style app). */
  readonly #direct: FetchService | null;
  readonly #date = new DateField();
  readonly #pending = new Set<Promise<unknown>>();
  readonly #gates = new WeakMap<Socket, ConnectionGate>();
  readonly #gate: GateOptions;
  readonly #sessions = new Http2Sessions();
  readonly #upgrades: Upgrades | null;
  /** Set when node:http's own parser reads HTTP/1.1 (--http-parser native). */
  readonly #native: NativeHttp1 | null;
  /** The strict gate's server for connections a native listener hands over; made when first needed. */
  #strict: Http.Server | null = null;
  #draining = false;
  #served = 0;

  constructor(app: LoadedApp, options: HttpServerOptions) {
    this.#options = options;
    // Once per worker: a Node upgrade that dropped an internal is said, with what is done instead.
    for (const line of missingAtStart()) options.logger.warning(line);
    this.#limit = options.workerConnections ? new ConnectionLimit(options.workerConnections, options.logger) : null;
    const onError = (err: unknown, req: IncomingMessage, res: ServerResponse) => this.#onAppError(err, req, res);
    const hooks = options.hooks;
    const inner: Listener =
      app.kind === 'fetch'
        ? fetchAdapter(hooks ? withHooks(app.handler, hooks) : app.handler, { onError, waitUntil: (p) => this.#waitUntil(p) })
        : (req, res) => {
            if (hooks) {
              hooks.preRequest?.(req);
              if (hooks.postRequest) res.once('finish', () => hooks.postRequest!(req, res.statusCode));
            }
            try {
              const r = app.listener(req, res) as { then?: unknown; catch?: unknown } | undefined;
              if (r && typeof r.then === 'function') (r as Promise<unknown>).catch((err) => onError(err, req, res));
            } catch (err) {
              onError(err, req, res);
            }
          };
    this.#listener = (req, res) => this.#track(req, res, inner);
    const server = this;
    this.#onResponseClose = function (this: ServerResponse) {
      server.#closed(this);
    };
    this.#upgrades = app.upgrade ? new Upgrades(app.upgrade, { logger: options.logger, waitUntil: (p) => this.#waitUntil(p) }) : null;
    this.#gate = { ...options.gate, acceptUpgrades: this.#upgrades !== null };
    this.#health = options.healthPath ? healthResponder(options.healthPath) : null;
    // Upgrade handlers take node:http's objects.
    this.#native = usesNativeParser(this.#options.gate) ? new NativeHttp1({ logger: options.logger, gate: options.gate, toStrict: (socket, bytes, headMs) => this.#toStrict(socket, bytes, headMs) }) : null;
    const direct = app.kind === 'fetch' && servesDirect(options.gate, app.kind, Boolean(app.upgrade));
    this.#direct = direct ? this.#fetchService(hooks ? withHooks(app.handler, hooks) : app.handler) : null;
  }

  #fetchService(handler: FetchHandler): FetchService {
    const options = this.#options;
    const server = this;
    return {
      handler,
      logger: options.logger,
      gate: this.#gate,
      access: options.access,
      proxy: options.proxy ?? null,
      healthPath: options.healthPath ?? null,
      dev: options.dev ?? null,
      keepalive: options.keepalive,
      get draining() {
        return server.#draining;
      },
      waitUntil: (p) => this.#waitUntil(p),
      date: () => this.#date.now(),
      started: (exchange, socket) => {
        this.#served++;
        const info: RequestInfo = { method: exchange.method, path: exchange.target, startedAt: Date.now() };
        this.#requests.add(exchange, info);
        this.#connections.requestStarted(socket);
        return info;
      },
      run: (info, fn, exchange) => this.#requests.run(info, fn, exchange, undefined),
      finished: (exchange, socket) => {
        this.#requests.remove(exchange);
        this.#connections.requestFinished(this.#connections.recordOf(socket));
        options.onRequestDone?.();
      },
    };
  }

  get requestsServed(): number {
    return this.#served;
  }

  /** Open client connections: HTTP/1.1 ones and HTTP/2 sessions. */
  get connections(): number {
    return this.#connections.size + this.#sessions.size;
  }

  get inFlight(): number {
    return this.#requests.size;
  }

  /** The requests in flight, and the one whose code is running right now (for stuck-worker reports). */
  describeRequests(): { current: RequestInfo | null; inFlight: RequestInfo[] } {
    return this.#requests.describe();
  }

  /** Upgraded (WebSocket) connections still open. */
  get upgraded(): number {
    return this.#upgrades?.open ?? 0;
  }

  /** Starts accepting on an inherited listening socket. */
  listen(fd: number): Promise<void> {
    const tls = this.#options.tls;
    const native = this.#native !== null;
    if (this.#direct && !tls) return this.#listenDirect(fd, this.#direct);
    const listener: Listener = native ? (req, res) => this.#native!.check(req, res, this.#listener) : this.#listener;
    const http1 = http1Settings(this.#options.gate, this.#options.keepalive, native);
    const server = (tls ? createTlsServer(tls, http1, this.#http2Limits(), listener) : http.createServer(http1, listener)) as Http.Server;
    this.#setUp(server, native);
    server.on(tls ? 'secureConnection' : 'connection', (socket: Socket) => this.#onConnection(socket, tls, native));
    if (tls) {
      server.on('tlsClientError', (err: NodeJS.ErrnoException, socket: TLSSocket) =>
        this.#options.logger.debug(`TLS handshake with ${socket.remoteAddress ?? 'a client'} failed: ${err.code ?? err.message}`),
      );
    }
    if (tls?.http2) this.#sessions.watch(server as unknown as import('node:http2').Http2SecureServer);
    this.#limit?.watch(server);
    this.#servers.push(server);
    this.#fds.set(server, fd);
    return new Promise((resolve, reject) => {
      server.once('error', reject);
      // With an fd, node:http takes the backlog only as a positional argument.
      server.listen({ fd }, this.#options.backlog, () => {
        server.off('error', reject);
        resolve();
      });
    });
  }

  /** What every node:http server of this worker shares: limits, half-open clients, upgrades, parse errors. */
  #setUp(server: Http.Server, native: boolean): void {
    server.maxHeadersCount = 0;
    // A client that half-closes after sending still gets its answers (as from
    // Gunicorn); by default node:http would abort the requests in flight.
    (server as Http.Server & { httpAllowHalfOpen: boolean }).httpAllowHalfOpen = true;
    if (this.#upgrades) {
      const upgrades = this.#upgrades;
      server.on('upgrade', (req: IncomingMessage, socket: Socket, head: Buffer) => {
        this.#connections.forget(socket);
        upgrades.handle(req, socket, head);
      });
    }
    if (native) {
      this.#native!.install(server);
      return;
    }
    server.on('clientError', gateClientError);
  }

  /**
   * A connection a native listener's parser refused on its first request, read
   * again by the strict gate: from the bytes node:http read, with the header
   * time already spent, and the client's EOF if it came before the gate listened.
   */
  #toStrict(socket: Socket, bytes: Buffer, headMs: number): void {
    if (!this.#strict) {
      this.#strict = http.createServer(http1Settings(this.#options.gate, this.#options.keepalive, false), this.#listener);
      this.#setUp(this.#strict, false);
      this.#strict.on('connection', (s: Socket) => this.#attachGate(s));
    }
    this.#strict.emit('connection', socket);
    const gate = this.#gates.get(socket);
    if (!gate) {
      socket.destroy();
      return;
    }
    gate.takeOver(bytes, headMs);
    // node:http's listeners and the gate's missed it; the strict server must see it to answer and close.
    if (socket.readableEnded && !socket.destroyed) socket.emit('end');
  }

  #listenDirect(fd: number, service: FetchService): Promise<void> {
    // As node:http's defaults: Nagle off; a half-closed client still gets its answers.
    const server = net.createServer({ allowHalfOpen: true, noDelay: true }, (socket) => {
      if (this.#gate.proxyMode !== 'off') this.#options.proxy?.watch(socket);
      this.#connections.add(socket);
      new FetchConnection(socket, service);
    });
    this.#limit?.watch(server);
    this.#servers.push(server);
    this.#fds.set(server, fd);
    return new Promise((resolve, reject) => {
      server.once('error', reject);
      // With an fd, net.Server takes the backlog only as a positional argument.
      server.listen({ fd }, this.#options.backlog, () => {
        server.off('error', reject);
        this.#options.logger.debug(`Listening on fd ${fd}: plain HTTP/1.1 served straight from the strict gate (fetch-style app)`);
        resolve();
      });
    });
  }

  #http2Limits(): Http2Limits {
    const { rules } = this.#options.gate;
    return {
      maxHeaderListSize: Math.min(rules.limitRequestLine + rules.maxHeaderBytes, 2 ** 32 - 1),
      // Four pseudo-headers (:method, :scheme, :authority, :path) beside the fields.
      maxHeaderListPairs: rules.limitRequestFields + 4,
      idleTimeoutMs: (this.#options.keepalive || 5) * 1000,
    };
  }

  #onConnection(socket: Socket, tls: TlsFiles | null | undefined, native: boolean): void {
    // Before the gate: a PROXY header replaces remoteAddress, and trust goes by the real peer.
    // Without PROXY headers remoteAddress is the peer, read only when needed (a getpeername(2)).
    if (this.#gate.proxyMode !== 'off') this.#options.proxy?.watch(socket);
    if (tls) {
      if (refusesPeer(socket as TLSSocket, tls)) {
        this.#options.logger.debug(`Refused a client certificate from ${socket.remoteAddress}: ${(socket as TLSSocket).authorizationError}`);
        socket.destroy();
        return;
      }
      // An HTTP/2 session frames its own streams; the drain ends it with GOAWAY.
      if ((socket as TLSSocket).alpnProtocol === 'h2') return;
    }
    this.#connections.add(socket);
    if (native) this.#native!.accepted(socket);
    else this.#attachGate(socket);
  }

  #attachGate(socket: Socket): void {
    const gate = ConnectionGate.attach(socket, this.#gate);
    if (gate) this.#gates.set(socket, gate);
    else this.#options.logger.warning('node:http changed how it reads sockets: this connection is served without the strict HTTP/1.1 checks');
  }

  #track(req: IncomingMessage, res: ServerResponse, inner: Listener): void {
    // Only a head the gate rewrote carries its marker, last.
    if (req.rawHeaders[req.rawHeaders.length - 2] === FIXUP_HEADER) this.#gates.get(req.socket)?.prepare(req, res);
    else if (req.httpVersionMajor === 2 && (!checkAuthority(req, res) || !applyHeaderMap(req, res, this.#options.gate.rules.headerMap))) return;
    this.#served++;
    const socket = req.socket;
    const logged = this.#options.access.length > 0;
    const tracked = new TrackedRequest(req.method ?? '', req.url ?? '', socket, this.#connections.requestStarted(socket), logged);
    // In the registry only: a property of our own on every ServerResponse would change its shape.
    this.#requests.add(res, tracked);
    if (logged && req.httpVersionMajor === 2) (res as TrackedResponse)[HTTP2_BYTES] = http2BodyCounter(res);
    // Without an upgrade handler an upgrade request is served as a plain one,
    // and what follows it on the connection is not read as HTTP (see the gate).
    if (this.#draining || this.#options.keepalive === 0 || (!this.#upgrades && hasUpgradeField(req.rawHeaders))) res.shouldKeepAlive = false;
    // One listener shared by every response ('close' is emitted once; `on` spares the wrapper `once` builds).
    res.on('close', this.#onResponseClose);
    if (this.#health?.(req, res, this.#draining)) return;
    if (this.#options.proxy && !applyForwarded(req, res, this.#options.proxy)) return;
    if (this.#options.intercept?.(req, res)) return;
    this.#requests.run(tracked, inner, req, res);
  }

  /** The response is done or abandoned: the bookkeeping #track started ends here (with the access record when logging). */
  #closed(res: ServerResponse): void {
    const tracked = this.#requests.get(res) as TrackedRequest;
    this.#requests.remove(res);
    this.#connections.requestFinished(tracked.connection);
    if (tracked.start !== 0n) logNodeAccess(this.#options.access, res.req, res, tracked.startedAt, process.hrtime.bigint() - tracked.start, tracked.bytesBefore, (res as TrackedResponse)[HTTP2_BYTES]?.());
    this.#options.onRequestDone?.();
  }

  #onAppError(err: unknown, req: IncomingMessage, res: ServerResponse): void {
    answerAppError(err, req, res, this.#options.logger, this.#options.renderError);
  }

  #waitUntil(promise: Promise<unknown>): void {
    const p = Promise.resolve(promise).catch((err) => this.#options.logger.exception('A waitUntil promise rejected', err));
    this.#pending.add(p);
    void p.finally(() => this.#pending.delete(p));
  }

  /**
   * Stops accepting, lets in-flight requests finish (answered with
   * `Connection: close`), closes idle connections after a short window in
   * which a request already on its way is still served, and resolves when
   * every connection is closed and every waitUntil promise has settled.
   */
  async drain(options: DrainOptions = { idleLingerMs: 0 }): Promise<void> {
    if (this.#draining) return;
    this.#draining = true;
    for (const res of this.#requests.keys()) if (res instanceof http.ServerResponse && !res.headersSent) res.shouldKeepAlive = false;
    const { acceptQueue, acceptWaitMs = 0 } = options;
    const closed = this.#servers.map((s) => closeOnceAccepted(s, this.#fds.get(s), acceptQueue ?? (() => null), acceptWaitMs));
    this.#connections.lingerIdle(options.idleLingerMs);
    this.#sessions.closeAll();
    this.#upgrades?.drain();
    await Promise.all(closed);
    while (this.#pending.size) await Promise.allSettled([...this.#pending]);
  }
}
