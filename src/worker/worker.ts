// The code that runs inside a worker process: load the app, serve it on the
// inherited sockets, heartbeat, and drain on TERM. Created by worker/main.ts;
// the master's record of a worker is master/worker-handle.ts.

import { loadApp } from '../app/loader.js';
import { NarwhalError, EXIT_CODES, describeError } from '../errors.js';
import { HttpServer } from '../http/server.js';
import type { Channel } from '../ipc/channel.js';
import type { BootInfo, MasterMessage, WorkerMessage } from '../ipc/messages.js';
import { AccessLog } from '../log/access-log.js';
import { LogSink, Logger } from '../log/logger.js';
import { Heartbeat } from './heartbeat.js';
import { procName, setProcessTitle } from '../process-title.js';
import type { LoadedApp } from '../app/loader.js';
import type { Prepared } from '../dev/standby-worker.js';

export class Worker {
  readonly #boot: BootInfo;
  readonly #channel: Channel<WorkerMessage, MasterMessage>;
  readonly #logger: Logger;
  readonly #accessLog: AccessLog | null;
  #server: HttpServer | null = null;
  #heartbeat: Heartbeat | null = null;
  #stopping = false;
  readonly #prepared: Prepared;

  constructor(boot: BootInfo, channel: Channel<WorkerMessage, MasterMessage>, prepared: Prepared = {}) {
    this.#boot = boot;
    this.#prepared = prepared;
    this.#channel = channel;
    const { config } = boot;
    this.#logger = new Logger(new LogSink(config.errorlog, 2), config.loglevel);
    this.#accessLog = config.accesslog ? new AccessLog(new LogSink(config.accesslog, 1), config.accessLogFormat) : null;
  }

  async run(): Promise<void> {
    const { config } = this.#boot;
    setProcessTitle('worker', procName(config));
    this.#installHandlers();
    this.#heartbeat = new Heartbeat(this.#boot.heartbeatFd, config.timeout);
    // --reload: note the app's module graph; --debug: the dev error pages and static files.
    const graph = this.#prepared.graph ?? (config.reload ? new (await import('../dev/module-graph.js')).ModuleGraph() : null);
    const dev = config.debug ? await import('../dev/dev-hooks.js') : null;
    let app: LoadedApp;
    try {
      app = await loadApp(config.app, process.cwd(), config.interface);
    } catch (err) {
      const files = graph ? (await graph.flush(), graph.files()) : [];
      if (!dev || files.length === 0) {
        // With --reload the files the failed import touched are watched all the same.
        if (graph) this.#channel.send({ type: 'modules', files });
        const known = err instanceof NarwhalError;
        this.#fail(known && err.code === 'APP_LOAD' ? 'app-load' : 'boot', known ? err.message : `worker failed to boot: ${describeError(err)}`, known ? err.detail : undefined);
        return;
      }
      // Dev: the app's files were found but did not load; serve the error until a save fixes them.
      this.#channel.send({ type: 'load-error', message: err instanceof Error ? err.message : String(err), detail: err instanceof NarwhalError ? err.detail : describeError(err) });
      app = dev.loadErrorApp(err, config, files);
    }
    if (graph) {
      await graph.flush();
      const report = () => this.#channel.send({ type: 'modules', files: graph.files() });
      report();
      graph.onLateLoad(report);
    }
    const hooks = dev?.createDevHooks(config, process.cwd());
    const server = new HttpServer(app, {
      logger: this.#logger,
      accessLog: this.#accessLog,
      keepalive: config.keepalive,
      backlog: config.backlog,
      intercept: hooks?.intercept,
      renderError: hooks?.renderError,
    });
    try {
      for (const l of this.#boot.listeners) await server.listen(l.fd);
    } catch (err) {
      this.#fail('boot', `worker could not listen: ${(err as Error).message}`);
      return;
    }
    this.#server = server;
    this.#logger.debug(`Worker ${process.pid} serving ${app.name} (${app.kind}-style)`);
    this.#channel.send({ type: 'ready' });
  }

  #fail(reason: 'app-load' | 'boot', message: string, detail?: string): void {
    this.#channel.send({ type: 'boot-failed', reason, message, detail });
    // Let the message reach the master before the exit closes the channel.
    setImmediate(() => process.exit(reason === 'app-load' ? EXIT_CODES.APP_LOAD : EXIT_CODES.WORKER_BOOT));
  }

  #installHandlers(): void {
    process.on('SIGTERM', () => void this.stop());
    process.on('SIGINT', () => this.#quit());
    process.on('SIGQUIT', () => this.#quit());
    process.on('SIGUSR1', () => {
      this.#logger.reopen();
      this.#accessLog?.reopen();
    });
    // A terminal hang-up is the master's business, not the worker's.
    process.on('SIGHUP', () => {});
    // The master is gone: finish what is in flight and leave, as an orphan must.
    process.on('disconnect', () => void this.stop());
    process.on('uncaughtException', (err) => {
      this.#logger.exception('Uncaught exception in worker; it will drain and exit', err);
      void this.stop(EXIT_CODES.ERROR);
    });
    process.on('unhandledRejection', (reason) => {
      this.#logger.exception('Unhandled promise rejection in the app', reason);
    });
  }

  /** Graceful: stop accepting, finish in-flight requests, then exit. */
  async stop(code: number = EXIT_CODES.OK): Promise<void> {
    if (this.#stopping) return;
    this.#stopping = true;
    this.#logger.info(`Worker exiting (pid: ${process.pid})`);
    try {
      await this.#server?.drain();
    } finally {
      this.#heartbeat?.stop();
      process.exit(code);
    }
  }

  #quit(): void {
    process.exit(EXIT_CODES.OK);
  }
}
