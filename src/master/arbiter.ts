// The master process: binds the sockets, keeps the worker count, replaces dead
// workers, kills stuck ones, reloads by readiness-gated generations and stops
// gracefully. Signals and worker events go through one queue, handled in order
// by short named steps. Knows nothing of HTTP. Created by cli/main.ts.

import { Readable } from 'node:stream';
import { createInterface } from 'node:readline';
import type { Resolved } from '../config/resolve.js';
import type { Config } from '../config/settings.js';
import { EXIT_CODES } from '../errors.js';
import { LogSink, Logger } from '../log/logger.js';
import { procName, setProcessTitle } from '../process-title.js';
import { bindAll, type BoundListener } from './listeners.js';
import { Pidfile } from './pidfile.js';
import { onSignals, type MasterSignal } from './signals.js';
import { spawnWorker, type SpawnOptions } from './spawn.js';
import type { WorkerHandle } from './worker-handle.js';

export interface ArbiterOptions {
  readonly resolved: Resolved;
  /** Resolves the configuration again, for HUP. */
  readonly reresolve: () => Promise<Resolved>;
  /** The directory workers start in (after --chdir). */
  readonly cwd: string;
  readonly version: string;
  /** Runs before workers start (--preload); a rejection stops the start. */
  readonly preload?: () => Promise<void>;
  /** Starts workers instead of spawnWorker (the dev server keeps a warm standby process). */
  readonly spawn?: (opts: SpawnOptions) => WorkerHandle;
  /** Sees every worker just after it is spawned (the dev server listens to its messages). */
  readonly onSpawn?: (worker: WorkerHandle) => void;
  /** Told how each reload ended: true once the new generation serves, false when it was abandoned. */
  readonly onReloadDone?: (ok: boolean) => void;
}

type Event =
  | { readonly kind: 'signal'; readonly signal: MasterSignal }
  | { readonly kind: 'ready'; readonly worker: WorkerHandle }
  | { readonly kind: 'exit'; readonly worker: WorkerHandle; readonly code: number | null; readonly signal: NodeJS.Signals | null }
  | { readonly kind: 'tick' }
  | { readonly kind: 'reload' };

const TICK_MS = 200;
const MAX_BACKOFF_MS = 10_000;

export class Arbiter {
  readonly #options: ArbiterOptions;
  readonly #workers = new Map<number, WorkerHandle>();
  readonly #queue: Event[] = [];
  #config: Config;
  #logger: Logger;
  #listeners: BoundListener[] = [];
  #pidfile: Pidfile | null = null;
  #target: number;
  #generation = 1;
  #nextId = 1;
  /** The generation to go back to if the reload in progress fails. */
  #reloadFrom: { config: Config; generation: number; target: number } | null = null;
  #everReady = false;
  #bootFailures = 0;
  #respawnAt = 0;
  #stopping: { code: number; reason: string | null } | null = null;
  #busy = false;
  #tick: NodeJS.Timeout | null = null;
  #removeSignals: (() => void) | null = null;
  #done!: (code: number) => void;

  constructor(options: ArbiterOptions) {
    this.#options = options;
    this.#config = options.resolved.config;
    this.#target = this.#config.workers;
    this.#logger = new Logger(new LogSink(this.#config.errorlog, 2), this.#config.loglevel);
  }

  get logger(): Logger {
    return this.#logger;
  }

  /** Starts serving; resolves with the exit code once the master has stopped. */
  async run(): Promise<number> {
    const config = this.#config;
    setProcessTitle('master', procName(config));
    this.#logger.info(`Starting narwhal ${this.#options.version}`);
    if (config.pidfile) {
      this.#pidfile = new Pidfile(config.pidfile);
      this.#pidfile.create(process.pid, config.umask);
    }
    try {
      this.#listeners = bindAll(config.bind, config.umask);
      for (const l of this.#listeners) this.#logger.info(`Listening at: ${l.label} (${process.pid})`);
      this.#logger.info(`App: ${config.app ?? '(none: serving the welcome page)'}, ${this.#target} worker${this.#target === 1 ? '' : 's'}`);
      await this.#options.preload?.();
    } catch (e) {
      this.#cleanup();
      throw e;
    }
    const finished = new Promise<number>((resolve) => (this.#done = resolve));
    this.#removeSignals = onSignals((signal) => this.#enqueue({ kind: 'signal', signal }));
    this.#tick = setInterval(() => this.#enqueue({ kind: 'tick' }), TICK_MS);
    this.#maintainWorkerCount();
    return finished;
  }

  /** Reloads as HUP does (readiness-gated), without a signal: the dev server's watcher calls it. */
  reload(): void {
    this.#enqueue({ kind: 'reload' });
  }

  #enqueue(event: Event): void {
    if (event.kind === 'tick' && this.#queue.some((e) => e.kind === 'tick')) return;
    this.#queue.push(event);
    if (!this.#busy) void this.#drainQueue();
  }

  async #drainQueue(): Promise<void> {
    this.#busy = true;
    try {
      for (let e = this.#queue.shift(); e; e = this.#queue.shift()) await this.#handle(e);
    } finally {
      this.#busy = false;
    }
  }

  async #handle(event: Event): Promise<void> {
    switch (event.kind) {
      case 'signal':
        return this.#onSignal(event.signal);
      case 'ready':
        return this.#onReady(event.worker);
      case 'exit':
        return this.#onExit(event.worker, event.code, event.signal);
      case 'reload':
        return this.#reload();
      case 'tick':
        this.#killStuckWorkers();
        this.#killOverdueWorkers();
        this.#maintainWorkerCount();
        return;
    }
  }

  async #onSignal(signal: MasterSignal): Promise<void> {
    this.#logger.info(`Handling signal: ${signal.slice(3).toLowerCase()}`);
    switch (signal) {
      case 'SIGTERM':
        return this.#stop(true, EXIT_CODES.OK, null);
      case 'SIGINT':
      case 'SIGQUIT':
        return this.#stop(false, EXIT_CODES.OK, null);
      case 'SIGHUP':
        return this.#reload();
      case 'SIGTTIN':
        this.#target++;
        this.#logger.info(`Scaling to ${this.#target} workers`);
        return this.#maintainWorkerCount();
      case 'SIGTTOU':
        this.#target = Math.max(1, this.#target - 1);
        this.#logger.info(`Scaling to ${this.#target} worker${this.#target === 1 ? '' : 's'}`);
        return this.#maintainWorkerCount();
      case 'SIGUSR1':
        this.#logger.reopen();
        for (const w of this.#workers.values()) w.signal('SIGUSR1');
        return;
    }
  }

  #spawn(): void {
    const worker = (this.#options.spawn ?? spawnWorker)({
      id: this.#nextId++,
      generation: this.#generation,
      config: this.#config,
      cwd: this.#options.cwd,
      listeners: this.#listeners,
      captureOutput: this.#config.captureOutput && this.#logger.sink.isFile,
    });
    this.#workers.set(worker.pid, worker);
    this.#options.onSpawn?.(worker);
    worker.channel.on('ready', () => this.#enqueue({ kind: 'ready', worker }));
    worker.channel.on('boot-failed', (m) => (worker.bootFailure = { reason: m.reason, message: m.message, detail: m.detail }));
    worker.child.once('exit', (code, signal) => this.#enqueue({ kind: 'exit', worker, code, signal }));
    worker.child.on('error', (err) => this.#logger.error(`Worker ${worker.pid}: ${err.message}`));
    for (const stream of [worker.child.stdout, worker.child.stderr]) if (stream) this.#capture(stream);
    this.#logger.info(`Booting worker with pid: ${worker.pid}`);
  }

  /** --capture-output: the worker's output goes into the error log, a line at a time. */
  #capture(stream: Readable): void {
    createInterface({ input: stream, crlfDelay: Infinity }).on('line', (line) => this.#logger.sink.write(`${line}\n`));
  }

  #onReady(worker: WorkerHandle): void {
    if (!this.#workers.has(worker.pid) || worker.state !== 'booting') return;
    worker.state = 'ready';
    this.#everReady = true;
    this.#bootFailures = 0;
    this.#logger.debug(`Worker ${worker.pid} is ready (generation ${worker.generation})`);
    if (this.#stopping) {
      worker.retire(this.#config.gracefulTimeout);
      return;
    }
    this.#maintainWorkerCount();
  }

  #onExit(worker: WorkerHandle, code: number | null, signal: NodeJS.Signals | null): void {
    this.#workers.delete(worker.pid);
    worker.release();
    const how = signal ? `was killed by ${signal}` : `exited with code ${code}`;
    if (this.#stopping) {
      this.#logger.debug(`Worker ${worker.pid} ${how}`);
      if (this.#workers.size === 0) this.#finish();
      return;
    }
    if (worker.state === 'booting') return this.#onBootFailure(worker, how);
    if (worker.state === 'retiring') {
      this.#logger.debug(`Worker ${worker.pid} retired (${how})`);
    } else if (signal === 'SIGKILL' && !worker.killed) {
      this.#logger.error(`Worker (pid:${worker.pid}) was killed by SIGKILL, perhaps by the out-of-memory killer`);
    } else if (!worker.killed) {
      this.#logger.error(`Worker (pid:${worker.pid}) ${how}`);
    }
    this.#maintainWorkerCount();
  }

  #onBootFailure(worker: WorkerHandle, how: string): void {
    const failure = worker.bootFailure ?? { reason: 'boot' as const, message: `worker ${worker.pid} ${how} before it was ready`, detail: undefined };
    if (worker.killed) {
      // We killed it ourselves (stuck while booting, or dropped by a rollback).
      this.#maintainWorkerCount();
      return;
    }
    this.#logger.error(failure.detail ? `${failure.message}\n${failure.detail}` : failure.message);
    if (!this.#everReady) {
      const appLoad = failure.reason === 'app-load';
      return this.#stop(false, appLoad ? EXIT_CODES.APP_LOAD : EXIT_CODES.WORKER_BOOT, appLoad ? 'App failed to load.' : 'Worker failed to boot.');
    }
    if (this.#reloadFrom && worker.generation === this.#generation) return this.#rollback();
    this.#bootFailures++;
    const delay = Math.min(MAX_BACKOFF_MS, 250 * 2 ** (this.#bootFailures - 1));
    this.#respawnAt = Date.now() + delay;
    this.#logger.warning(`A new worker could not boot; trying again in ${(delay / 1000).toFixed(2)} s while the others serve`);
  }

  /** Keeps `target` workers of the current generation, and retires older ones as new ones become ready. */
  #maintainWorkerCount(): void {
    if (this.#stopping) return;
    const live = [...this.#workers.values()].filter((w) => w.state !== 'retiring');
    const current = live.filter((w) => w.generation === this.#generation);
    const old = live.filter((w) => w.generation !== this.#generation);
    if (current.length < this.#target && Date.now() >= this.#respawnAt) {
      for (let i = current.length; i < this.#target; i++) this.#spawn();
    }
    const readyCurrent = current.filter((w) => w.state === 'ready').length;
    // Booting leftovers first, then the oldest serving workers.
    old.sort((a, b) => Number(a.state === 'ready') - Number(b.state === 'ready') || a.bornAt - b.bornAt);
    for (let surplus = old.length + readyCurrent - this.#target; surplus > 0 && old.length; surplus--) {
      old.shift()!.retire(this.#config.gracefulTimeout);
    }
    if (old.length === 0 && current.length > this.#target) {
      current.sort((a, b) => Number(a.state === 'ready') - Number(b.state === 'ready') || a.bornAt - b.bornAt);
      for (const w of current.slice(0, current.length - this.#target)) w.retire(this.#config.gracefulTimeout);
    }
    if (this.#reloadFrom && old.length === 0 && readyCurrent >= this.#target) {
      this.#reloadFrom = null;
      this.#logger.info(`Reload complete: ${readyCurrent} worker${readyCurrent === 1 ? '' : 's'} of generation ${this.#generation} serving`);
      this.#options.onReloadDone?.(true);
    }
  }

  async #reload(): Promise<void> {
    if (this.#stopping) return;
    let next: Resolved;
    try {
      next = await this.#options.reresolve();
    } catch (e) {
      this.#logger.error(`Reload aborted, the current workers keep serving: ${(e as Error).message}`);
      this.#options.onReloadDone?.(false);
      return;
    }
    if (next.config.bind.join(',') !== this.#config.bind.join(',')) {
      this.#logger.warning('bind changed in the new configuration; addresses change only on a restart');
    }
    this.#reloadFrom ??= { config: this.#config, generation: this.#generation, target: this.#target };
    this.#config = next.config;
    this.#target = next.config.workers;
    this.#generation++;
    this.#respawnAt = 0;
    this.#logger.info(`Reloading: starting ${this.#target} worker${this.#target === 1 ? '' : 's'} of generation ${this.#generation}`);
    this.#maintainWorkerCount();
  }

  /** A new generation could not boot: drop its booting workers and keep the old ones serving. */
  #rollback(): void {
    const from = this.#reloadFrom!;
    for (const w of this.#workers.values()) {
      if (w.generation === this.#generation && w.state === 'booting') w.kill();
    }
    this.#logger.error(`Reload failed: generation ${this.#generation} could not boot; the workers already serving keep serving`);
    this.#config = from.config;
    this.#target = from.target;
    this.#generation = from.generation;
    this.#reloadFrom = null;
    this.#options.onReloadDone?.(false);
  }

  #killStuckWorkers(): void {
    const limit = this.#config.timeout * 1000;
    if (limit <= 0) return;
    const now = Date.now();
    for (const w of this.#workers.values()) {
      if (w.killed) continue;
      const silent = w.silentFor(now);
      if (silent > limit) {
        this.#logger.critical(`WORKER TIMEOUT (pid:${w.pid}): no heartbeat for ${(silent / 1000).toFixed(1)} s (timeout ${this.#config.timeout} s)`);
        w.kill();
      }
    }
  }

  #killOverdueWorkers(): void {
    const now = Date.now();
    for (const w of this.#workers.values()) {
      if (!w.killed && w.killAt !== null && now >= w.killAt) {
        this.#logger.warning(`Worker (pid:${w.pid}) did not stop within the graceful timeout; killing it`);
        w.kill();
      }
    }
  }

  /** Graceful (TERM) or quick (INT, QUIT, a failed start) stop of every worker, then of the master. */
  #stop(graceful: boolean, code: number, reason: string | null): void {
    if (this.#stopping) {
      // A second INT while stopping gracefully makes it quick.
      if (!graceful) for (const w of this.#workers.values()) w.signal('SIGQUIT');
      return;
    }
    this.#stopping = { code, reason };
    for (const l of this.#listeners) l.close();
    this.#listeners = [];
    const timeout = this.#config.gracefulTimeout;
    for (const w of this.#workers.values()) {
      if (graceful) {
        w.retire(timeout);
      } else {
        w.state = 'retiring';
        w.killAt = Date.now() + Math.min(timeout, 5) * 1000;
        w.signal('SIGQUIT');
      }
    }
    if (this.#workers.size === 0) this.#finish();
  }

  #finish(): void {
    const stop = this.#stopping!;
    this.#cleanup();
    this.#logger.info('Shutting down: Master');
    if (stop.reason) this.#logger.info(`Reason: ${stop.reason}`);
    this.#done(stop.code);
  }

  #cleanup(): void {
    if (this.#tick) clearInterval(this.#tick);
    this.#tick = null;
    this.#removeSignals?.();
    this.#removeSignals = null;
    for (const l of this.#listeners) l.close();
    this.#listeners = [];
    this.#pidfile?.unlink(process.pid);
  }
}
