// The code that runs inside a worker process: load the app, serve it on the
// inherited sockets, heartbeat, and drain on TERM. Created by worker/main.ts;
// the master's record of a worker is master/worker-handle.ts.

import { closeSync } from '../node-fs.js';
import { NarwhalError, EXIT_CODES, describeError } from '../errors.js';
import { callHook } from '../hooks/call.js';
import type { WorkerView } from '../hooks/types.js';
import type { WorkerHooks } from '../hooks/worker-hooks.js';
import { gateOptions } from '../http/gate-options.js';
import type { TlsFiles } from '../config/tls-files.js';
import { HttpServer, type RequestHooks } from '../http/server.js';
import { ConnectionLimit } from '../http/connection-limit.js';
import { ProxyTrust } from '../http/proxy-headers.js';
import type { Channel } from '../ipc/channel.js';
import type { BootFailureReason, BootInfo, MasterMessage, WorkerMessage } from '../ipc/messages.js';
import { createLogging, type Logging } from '../log/create.js';
import type { WorkerMetrics } from '../metrics/worker-metrics.js';
import type { Logger } from '../log/logger.js';
import { Heartbeat } from './heartbeat.js';
import { Watchdog } from './watchdog.js';
import { RecyclePolicy } from './recycle.js';
import { DescriptorWatch, isAcceptError } from './descriptor-watch.js';
import { LoadSampler, StatsReporter } from './stats.js';
import { Shedder } from './shedding.js';
import { procName, setProcessTitle } from '../process-title.js';
import type { LoadedApp } from '../app/loader.js';
import type { Prepared } from '../dev/standby-worker.js';
import { guardProcess, loadWorkerApp, type ScriptGuard } from './listen-app.js';
import { ListenServing } from './listen-serving.js';
import { queuedUnlessHeldBy } from '../os/listen-queue.js';

/** The longest a draining listener keeps accepting what the kernel already queued. */
const ACCEPT_WAIT_MS = 1000;

/** What the dev server adds to a worker: the module graph (--reload) and the debug pages (--debug). */
interface DevTools {
  readonly graph: import('../dev/module-graph.js').ModuleGraph | null;
  readonly pages: typeof import('../dev/dev-hooks.js') | null;
  readonly hooks: ReturnType<typeof import('../dev/dev-hooks.js').createDevHooks> | undefined;
}

export class Worker {
  readonly #boot: BootInfo;
  readonly #channel: Channel<WorkerMessage, MasterMessage>;
  readonly #logger: Logger;
  readonly #logging: Logging;
  #server: HttpServer | ListenServing | null = null;
  #guard: ScriptGuard | null = null;
  #hooks: WorkerHooks = {};
  #metrics: WorkerMetrics | null = null;
  #Metrics: typeof WorkerMetrics | null = null;
  #Static: typeof import('../static/handler.js') | null = null;
  readonly #view: WorkerView;
  #heartbeat: Heartbeat | null = null;
  #watchdog: Watchdog | null = null;
  #recycle: RecyclePolicy | null = null;
  #stopping = false;
  /** The first uncaught exception was logged; later ones are only counted. */
  #crashed = false;
  #laterExceptions = 0;
  readonly #descriptors: DescriptorWatch;
  readonly #prepared: Prepared;

  constructor(boot: BootInfo, channel: Channel<WorkerMessage, MasterMessage>, prepared: Prepared = {}) {
    this.#boot = boot;
    this.#prepared = prepared;
    this.#channel = channel;
    const { config } = boot;
    this.#logging = createLogging(config, procName(config));
    this.#logger = this.#logging.logger;
    this.#descriptors = new DescriptorWatch(this.#logger);
    this.#view = { id: boot.workerId, pid: process.pid, generation: boot.generation };
  }

  async run(): Promise<void> {
    const { config } = this.#boot;
    setProcessTitle('worker', procName(config));
    this.#installHandlers();
    this.#guard = guardProcess(this.#logger);
    this.#startSupervision();
    const dev = await this.#devTools();
    const tls = await this.#readTls();
    if (tls === undefined) return;
    // prom-client is loaded only when there are metrics to keep.
    this.#Metrics = config.metricsBind ? (await import('../metrics/worker-metrics.js')).WorkerMetrics : null;
    // The static file server is loaded only when --static mounts something.
    this.#Static = config.staticMounts.length ? await import('../static/handler.js') : null;
    const app = await this.#loadApp(dev);
    if (!app) return;
    await this.#reportModules(dev.graph);
    if (app instanceof ListenServing) return this.#serveScript(app);
    const shedder = this.#boot.config.maxWorkers > 0 ? new Shedder() : null;
    const served = dev.hooks?.wrapApp(app, this.#logger) ?? app;
    const server = this.#createServer(shedder?.wrap(served) ?? served, tls, dev.hooks);
    await callHook(this.#logger, 'postWorkerInit', this.#hooks.postWorkerInit, this.#view);
    if (!(await this.#listen(server))) return;
    this.#server = server;
    const stats = new StatsReporter(() => ({ served: server.requestsServed, inFlight: server.inFlight }));
    this.#channel.on('stats-request', (m) => this.#channel.send({ type: 'stats', id: m.id, stats: stats.report() }));
    this.#channel.on('shed', (m) => shedder?.ask(m.connections, m.withinMs));
    const load = new LoadSampler(() => server);
    this.#heartbeat?.carry(() => load.sample(), (sample) => this.#channel.send({ type: 'load', load: sample }), this.#boot.config.scaleInterval * 1000);
    this.#logger.debug(`Worker ${process.pid} serving ${app.name} (${app.kind}-style)`);
    this.#channel.send({ type: 'ready' });
  }

  /** The heartbeat the master watches, and the watchdog that reports where a stuck worker is. */
  #startSupervision(): void {
    this.#heartbeat = new Heartbeat(this.#boot.heartbeatFd, this.#boot.config.timeout);
    if (!this.#boot.config.watchdog) return closeSync(this.#boot.watchdogFd);
    this.#watchdog = new Watchdog(this.#boot.watchdogFd, () => this.#server?.describeRequests() ?? { current: null, inFlight: [] }, (err) =>
      this.#logger.exception('The watchdog thread failed; stuck-worker reports will have no stack', err),
    );
  }

  /** --reload: note the app's module graph; --debug: the dev error pages and static files. */
  async #devTools(): Promise<DevTools> {
    const { config } = this.#boot;
    const graph = this.#prepared.graph ?? (config.reload ? new (await import('../dev/module-graph.js')).ModuleGraph() : null);
    const pages = config.debug ? await import('../dev/dev-hooks.js') : null;
    return { graph, pages, hooks: pages?.createDevHooks(config, process.cwd()) };
  }

  /** The TLS files, read at every boot so a reload (HUP) serves renewed certificates; undefined when unreadable. */
  async #readTls(): Promise<TlsFiles | null | undefined> {
    const { config } = this.#boot;
    // node:tls is loaded only when TLS is on; without --certfile there is nothing to read.
    if (config.certfile === null && config.keyfile === null && config.caCerts === null && config.certReqs === 'none') return null;
    try {
      return (await import('../config/tls-files.js')).loadTlsFiles(config);
    } catch (err) {
      this.#fail('boot', err instanceof Error ? err.message : String(err));
      return undefined;
    }
  }

  /** The app, or with --debug the load-error page; null when the worker could not boot. */
  async #loadApp(dev: DevTools): Promise<LoadedApp | ListenServing | null> {
    const { config } = this.#boot;
    try {
      if (this.#boot.configFile && this.#boot.workerHooks.length) {
        this.#hooks = await (await import('../hooks/worker-hooks.js')).loadWorkerHooks(this.#boot.configFile, this.#boot.workerHooks);
      }
      await callHook(this.#logger, 'postFork', this.#hooks.postFork, this.#view);
      // Before the app is imported, so every Request/Response it captures is the light one (docs/http.md).
      if (config.fetchClasses === 'light' && config.interface !== 'node' && config.interface !== 'listen') (await import('../http/fetch/install.js')).installLightClasses();
      return await loadWorkerApp({
        config,
        cwd: process.cwd(),
        listeners: this.#boot.listeners,
        logger: this.#logger,
        first: this.#boot.workerId === 1,
        serving: () => ({ ...this.#requestSinks(() => this.#server?.inFlight ?? 0), healthPath: config.healthPath || null, intercept: dev.hooks?.intercept ?? this.#static(), dispatch: dev.hooks?.listenDispatch(this.#logger), limit: config.workerConnections ? new ConnectionLimit(config.workerConnections, this.#logger) : null }),
        typescript: { mode: config.typescript, note: (m) => this.#logger.debug(m) },
      });
    } catch (err) {
      const files = dev.graph ? (await dev.graph.flush(), dev.graph.files()) : [];
      if (!dev.pages || files.length === 0) {
        // With --reload the files the failed import touched are watched all the same.
        if (dev.graph) this.#channel.send({ type: 'modules', files });
        const known = err instanceof NarwhalError;
        this.#fail(known && err.code === 'APP_LOAD' ? 'app-load' : 'boot', known ? err.message : `worker failed to boot: ${describeError(err)}`, known ? err.detail : undefined);
        return null;
      }
      // Dev: the app's files were found but did not load; serve the error until a save fixes them.
      this.#channel.send({ type: 'load-error', message: err instanceof Error ? err.message : String(err), detail: err instanceof NarwhalError ? err.detail : describeError(err) });
      return dev.pages.loadErrorApp(err, config, files);
    }
  }

  /** --reload: tell the master which files the app loaded, now and whenever it loads more. */
  async #reportModules(graph: DevTools['graph']): Promise<void> {
    if (!graph) return;
    await graph.flush();
    const report = () => this.#channel.send({ type: 'modules', files: graph.files() });
    report();
    graph.onLateLoad(report);
  }

  #createServer(app: LoadedApp, tls: TlsFiles | null, devHooks: DevTools['hooks']): HttpServer {
    const { config } = this.#boot;
    const sinks = this.#requestSinks(() => server.inFlight);
    const server: HttpServer = new HttpServer(app, {
      onRequestDone: () => sinks.onRequestDone(server.requestsServed),
      logger: this.#logger,
      access: sinks.access,
      keepalive: config.keepalive,
      backlog: config.backlog,
      workerConnections: config.workerConnections,
      gate: {
        ...gateOptions(config),
        onReject: (err, socket) => this.#logger.debug(`Rejected a request from ${socket.remoteAddress ?? 'a unix socket'}: ${err.status} ${err.message}`),
      },
      tls,
      hooks: this.#requestHooks(),
      intercept: devHooks?.intercept ?? this.#static(),
      renderError: devHooks?.renderError,
      dev: devHooks ?? this.#directStatic(),
      proxy: new ProxyTrust({ allowIps: config.forwardedAllowIps, secureSchemeHeaders: config.secureSchemeHeaders, forwardedForHeader: config.forwardedForHeader }),
      healthPath: config.healthPath || null,
    });
    return server;
  }

  /** Where each finished request is told: access logs, metrics, the recycle count. */
  #requestSinks(inFlight: () => number): { access: import('../log/access-log.js').AccessSink[]; onRequestDone: (served: number) => void } {
    const { config } = this.#boot;
    const metrics = this.#Metrics ? this.#startMetrics(this.#Metrics, inFlight) : null;
    const recycle = (this.#recycle ??= new RecyclePolicy(config, (kind, reason) => {
      if (kind === 'memory') return this.#goDown('memory', reason, EXIT_CODES.OK);
      this.#logger.info(`Worker ${process.pid} ${reason}; asking to be recycled`);
      this.#channel.send({ type: 'recycle', kind, reason });
    }));
    return { access: metrics ? [...this.#logging.access, metrics] : [...this.#logging.access], onRequestDone: (served) => recycle.requestDone(served) };
  }

  /** --static in production (with --debug the dev hooks serve it). */
  #static(): ((req: import('node:http').IncomingMessage, res: import('node:http').ServerResponse) => boolean) | undefined {
    const { staticMounts } = this.#boot.config;
    return this.#Static?.productionStatic(staticMounts, process.cwd());
  }

  /** --static for fetch-style apps served without node:http. */
  #directStatic(): ReturnType<typeof import('../static/handler.js').productionDirect> | undefined {
    const { staticMounts } = this.#boot.config;
    return this.#Static?.productionDirect(staticMounts, process.cwd());
  }

  /** A script that called listen(): its own server already accepts on the sockets. */
  async #serveScript(serving: ListenServing): Promise<void> {
    this.#server = serving;
    await callHook(this.#logger, 'postWorkerInit', this.#hooks.postWorkerInit, this.#view);
    const stats = new StatsReporter(() => ({ served: serving.requestsServed, inFlight: serving.inFlight }));
    this.#channel.on('stats-request', (m) => this.#channel.send({ type: 'stats', id: m.id, stats: stats.report() }));
    this.#logger.debug(`Worker ${process.pid} serving the app's own server (listen)`);
    this.#channel.send({ type: 'ready' });
  }

  /** Listens on every inherited socket; false when one fails (the worker then exits). */
  async #listen(server: HttpServer): Promise<boolean> {
    for (const l of this.#boot.listeners) {
      try {
        await server.listen(l.fd);
      } catch (err) {
        // The master binds; the kernel reports a port taken by another listener only at listen(2).
        const code = (err as NodeJS.ErrnoException).code;
        this.#fail('bind', `cannot listen on ${l.label}: ${code === 'EADDRINUSE' ? 'another process is listening there; stop it or choose another --bind' : (err as Error).message} (${code})`);
        return false;
      }
    }
    return true;
  }

  /** Prometheus counters, summed by the master at each scrape of --metrics-bind. */
  #startMetrics(Metrics: typeof WorkerMetrics, inFlight: () => number): WorkerMetrics {
    const metrics = new Metrics(inFlight);
    this.#metrics = metrics;
    this.#channel.on('metrics-request', ({ id }) => {
      void metrics.snapshot().then((snapshot) => this.#channel.send({ type: 'metrics', id, snapshot }));
    });
    return metrics;
  }

  #requestHooks(): RequestHooks | undefined {
    const { preRequest, postRequest } = this.#hooks;
    if (!preRequest && !postRequest) return undefined;
    const view = this.#view;
    return {
      preRequest: preRequest ? (request) => void callHook(this.#logger, 'preRequest', preRequest, view, request) : undefined,
      postRequest: postRequest ? (request, status) => void callHook(this.#logger, 'postRequest', postRequest, view, request, { status }) : undefined,
    };
  }

  #fail(reason: BootFailureReason, message: string, detail?: string): void {
    const code = reason === 'app-load' ? EXIT_CODES.APP_LOAD : reason === 'bind' ? EXIT_CODES.BIND : EXIT_CODES.WORKER_BOOT;
    // Exit once the message has reached the master, so it can say why.
    this.#channel.send({ type: 'boot-failed', reason, message, detail }, () => process.exit(code));
  }

  #installHandlers(): void {
    process.on('SIGTERM', () => void this.stop());
    process.on('SIGINT', () => void this.#quit('workerInt', EXIT_CODES.OK));
    process.on('SIGQUIT', () => void this.#quit('workerInt', EXIT_CODES.OK));
    process.on('SIGABRT', () => void this.#quit('workerAbort', EXIT_CODES.ERROR));
    process.on('SIGUSR1', () => {
      this.#logging.reopen();
      this.#logger.debug(`Worker ${process.pid} reopened its log files`);
    });
    // A terminal hang-up is the master's business, not the worker's.
    process.on('SIGHUP', () => {});
    // The master is gone: finish what is in flight and leave, as an orphan must.
    process.on('disconnect', () => void this.stop());
    process.on('uncaughtException', (err) => this.#onUncaught(err));
    process.on('unhandledRejection', (reason) => {
      this.#logger.exception('Unhandled promise rejection in the app', reason);
    });
  }

  #onUncaught(err: unknown): void {
    // net.Server emits a failed accept as an error event nobody listens to; it is not the app's fault.
    if (isAcceptError(err)) return this.#descriptors.report(err.code!);
    // The first one says what broke; the rest (often the same fault, per event) would bury it.
    if (this.#crashed) {
      this.#laterExceptions++;
      return;
    }
    this.#crashed = true;
    this.#logger.exception('Uncaught exception in worker; it will drain and exit', err);
    this.#goDown('crash', `uncaught exception: ${err instanceof Error ? err.message : String(err)}`, EXIT_CODES.ERROR);
  }

  /**
   * Stops accepting now and drains: over --max-worker-memory, or after an
   * uncaught exception. The master is told first, so the replacement starts
   * while this worker finishes what it holds.
   */
  #goDown(reason: 'crash' | 'memory', message: string, code: number): void {
    if (this.#stopping) return;
    if (reason === 'memory') this.#logger.info(`Worker ${process.pid} ${message}; no new connections, exiting once the ones it holds are done`);
    this.#channel.send({ type: 'going-down', reason, message });
    void this.stop(code);
  }

  /**
   * Graceful: stop accepting, finish in-flight requests, then exit; at
   * --graceful-timeout the worker exits whatever is left. The master enforces
   * that deadline too, but an orphan (its master killed) has only its own.
   */
  async stop(code: number = EXIT_CODES.OK): Promise<void> {
    if (this.#stopping) return;
    this.#stopping = true;
    this.#logger.info(`Worker exiting (pid: ${process.pid})`);
    const deadline = setTimeout(() => {
      const left = this.#server ? `${this.#server.inFlight} requests in flight, ${this.#server.connections} connections` : 'its start unfinished';
      this.#logger.warning(`Worker ${process.pid} reached --graceful-timeout ${this.#boot.config.gracefulTimeout} s with ${left}; exiting`);
      this.#exit(code);
    }, this.#boot.config.gracefulTimeout * 1000);
    try {
      // Idle connections get up to the keep-alive time the clients were told
      // (within half the graceful timeout) to bring a request already sent.
      const { keepalive, gracefulTimeout } = this.#boot.config;
      if (this.#server) this.#logger.debug(`Worker ${process.pid} draining: ${this.#server.connections} connections, ${this.#server.inFlight} requests in flight, ${this.#server.upgraded} upgraded`);
      // Where the master has closed its sockets (a stop), listeners keep
      // accepting while the kernel still holds completed connections
      // (close-listener.ts), within a quarter of the graceful timeout.
      await this.#server?.drain({
        idleLingerMs: Math.min(keepalive, gracefulTimeout / 2) * 1000,
        acceptQueue: queuedUnlessHeldBy(process.ppid),
        acceptWaitMs: Math.min(ACCEPT_WAIT_MS, (gracefulTimeout * 1000) / 4),
      });
      await callHook(this.#logger, 'workerExit', this.#hooks.workerExit, this.#view);
      if (this.#metrics) {
        const snapshot = await this.#metrics.snapshot();
        await new Promise<void>((resolve) => this.#channel.send({ type: 'metrics', id: null, snapshot }, resolve));
      }
    } finally {
      clearTimeout(deadline);
      this.#exit(code);
    }
  }

  #exit(code: number): never {
    if (this.#laterExceptions > 0) this.#logger.warning(`Worker ${process.pid}: ${this.#laterExceptions} more uncaught exceptions while draining (not logged)`);
    this.#heartbeat?.stop();
    this.#watchdog?.stop();
    this.#recycle?.stop();
    this.#descriptors.stop();
    this.#runAppSignalListeners();
    process.exit(code);
  }

  /** The app's own SIGTERM listeners, held back until the drain was done: they may clean up (and exit, which is now fine). */
  #runAppSignalListeners(): void {
    for (const listener of this.#guard?.appSignalListeners() ?? []) {
      try {
        listener('SIGTERM');
      } catch (err) {
        this.#logger.exception("The app's SIGTERM listener threw", err);
      }
    }
  }

  async #quit(hook: 'workerInt' | 'workerAbort', code: number): Promise<void> {
    await callHook(this.#logger, hook, this.#hooks[hook], this.#view);
    process.exit(code);
  }
}
