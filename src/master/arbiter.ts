// The master process: binds the sockets, keeps the worker count, replaces dead
// workers, kills stuck ones, reloads by readiness-gated generations and stops
// gracefully. Signals and worker events go through one queue, handled in order
// by short named steps. Knows nothing of HTTP. Created by cli/main.ts.

import { Readable } from 'node:stream';
import { createInterface } from 'node:readline';
import type { Resolved } from '../config/resolve.js';
import type { Config } from '../config/settings.js';
import type { RecycleKind } from '../ipc/messages.js';
import { EXIT_CODES } from '../errors.js';
import { callHook } from '../hooks/call.js';
import type { ServerView } from '../hooks/types.js';
import { createLogging, type Logging } from '../log/create.js';
import type { Logger } from '../log/logger.js';
import { procName, setProcessTitle } from '../process-title.js';
import { planFleet } from './fleet.js';
import { MetricsBridge } from './metrics-bridge.js';
import { checkTlsFiles, checkWorkerTmpDir } from './preflight.js';
import { adoptAll, bindAll, type BoundListener } from './listeners.js';
import type { InheritedSockets, SystemdNotifyEnv } from '../config/env.js';
import { Upgrade } from './upgrade.js';
import { resolveIdentity, type Identity } from './identity.js';
import { Pidfile } from './pidfile.js';
import { SystemdNotifier } from './sd-notify.js';
import { onSignals, type MasterSignal } from './signals.js';
import { spawnWorker, type SpawnOptions } from './spawn.js';
import { timeoutMessage } from './stack-report.js';
import { ControlServer } from '../ctl/server.js';
import { controlHandler } from './control.js';
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
  /** Listening sockets handed over by an old master (USR2) or systemd, used instead of binding. */
  readonly inherited?: InheritedSockets | null;
  /** Where the command was started, for the new master USR2 executes. */
  readonly startDir?: string;
  /** Starts workers instead of spawnWorker (the dev server keeps a warm standby process). */
  readonly spawn?: (opts: SpawnOptions) => WorkerHandle;
  /** Sees every worker just after it is spawned (the dev server listens to its messages). */
  readonly onSpawn?: (worker: WorkerHandle) => void;
  /** Told how each reload ended: true once the new generation serves, false when it was abandoned. */
  readonly onReloadDone?: (ok: boolean) => void;
  /** Set when systemd started the master as a Type=notify service. */
  readonly systemd?: SystemdNotifyEnv | null;
}

type Event =
  | { readonly kind: 'signal'; readonly signal: MasterSignal }
  | { readonly kind: 'ready'; readonly worker: WorkerHandle }
  | { readonly kind: 'exit'; readonly worker: WorkerHandle; readonly code: number | null; readonly signal: NodeJS.Signals | null }
  | { readonly kind: 'recycle'; readonly worker: WorkerHandle; readonly recycle: { readonly kind: RecycleKind; readonly reason: string } }
  | { readonly kind: 'call'; readonly run: () => void | Promise<void> }
  | { readonly kind: 'tick' };

const TICK_MS = 200;
/** How a fresh start ends when its first workers cannot boot. */
const HALT_FOR = {
  'app-load': [EXIT_CODES.APP_LOAD, 'App failed to load.'],
  bind: [EXIT_CODES.BIND, 'Could not listen.'],
  boot: [EXIT_CODES.WORKER_BOOT, 'Worker failed to boot.'],
} as const;
const MAX_BACKOFF_MS = 10_000;
/** How long a timed-out worker's watchdog has to send its stack (the kill comes within timeout + 1 s). */
const STACK_DEADLINE_MS = 700;

export class Arbiter {
  readonly #options: ArbiterOptions;
  readonly #workers = new Map<number, WorkerHandle>();
  readonly #queue: Event[] = [];
  #config: Config;
  #configFile: string | null;
  #logger: Logger;
  #logging: Logging;
  #reportedWorkers = -1;
  readonly #systemd: SystemdNotifier | null;
  #metrics: MetricsBridge | null = null;
  #listeners: BoundListener[] = [];
  #pidfile: Pidfile | null = null;
  #target: number;
  #generation = 1;
  #nextId = 1;
  /** The generation to go back to if the reload in progress fails. */
  #reloadFrom: { config: Config; configFile: string | null; generation: number; target: number } | null = null;
  #everReady = false;
  #bootFailures = 0;
  #respawnAt = 0;
  #stopping: { code: number; reason: string | null } | null = null;
  #busy = false;
  #tick: NodeJS.Timeout | null = null;
  #removeSignals: (() => void) | null = null;
  #control: ControlServer | null = null;
  #identity: Identity = {};
  readonly #upgrade: Upgrade;
  #done!: (code: number) => void;

  constructor(options: ArbiterOptions) {
    this.#options = options;
    this.#config = options.resolved.config;
    this.#configFile = options.resolved.configFile;
    this.#target = this.#config.workers;
    this.#logging = createLogging(this.#config, procName(this.#config));
    this.#logger = this.#logging.logger;
    this.#upgrade = new Upgrade(options.inherited ?? null, this.#logger);
    this.#systemd = options.systemd ? new SystemdNotifier(options.systemd, this.#logger) : null;
  }

  get logger(): Logger {
    return this.#logger;
  }

  /** What hooks see of the master. */
  #view(): ServerView {
    const logger = this.#logger;
    return {
      pid: process.pid,
      config: this.#config,
      workerCount: this.#target,
      workers: [...this.#workers.values()].map((w) => ({ id: w.id, pid: w.pid, generation: w.generation })),
      log: (message, level = 'info') => logger.log(level, message),
    };
  }

  #hook<K extends 'onStarting' | 'onReload' | 'whenReady' | 'preExec' | 'onExit'>(name: K): Promise<void> {
    return callHook(this.#logger, name, this.#config[name], this.#view());
  }

  #setTarget(n: number): void {
    const old = this.#target;
    this.#target = n;
    if (n !== old) void callHook(this.#logger, 'nworkersChanged', this.#config.nworkersChanged, this.#view(), n, old);
  }

  /** Starts serving; resolves with the exit code once the master has stopped. */
  async run(): Promise<number> {
    const config = this.#config;
    setProcessTitle('master', procName(config));
    this.#logger.info(`Starting narwhal ${this.#options.version}`);
    await this.#hook('onStarting');
    this.#identity = resolveIdentity(config.user, config.group);
    const inherited = this.#options.inherited ?? null;
    if (config.pidfile) {
      // Beside the old master's pidfile until it is gone (see #promote).
      this.#pidfile = new Pidfile(this.#upgrade.pathFor(config.pidfile));
      this.#pidfile.create(process.pid, config.umask);
    }
    try {
      checkWorkerTmpDir(config.workerTmpDir);
      checkTlsFiles(config);
      this.#listeners = inherited ? adoptAll(inherited.fds, inherited.labels) : await bindAll(config.bind, config.umask);
      for (const l of this.#listeners) this.#logger.info(`Listening at: ${config.certfile ? l.label.replace(/^http:/, 'https:') : l.label} (${process.pid})`);
      if (config.metricsBind) this.#metrics = await MetricsBridge.start(config.metricsBind, () => [...this.#workers.values()], this.#logger);
      this.#logger.info(`App: ${config.app ?? '(none: serving the welcome page)'}, ${this.#target} worker${this.#target === 1 ? '' : 's'}`);
      await this.#options.preload?.();
      if (config.ctlSocket) {
        // Beside the old master's control socket until it is gone, as the pidfile.
        const ctlPath = this.#upgrade.pathFor(config.ctlSocket);
        this.#control = await ControlServer.listen(ctlPath, this.#controlHandler());
        this.#logger.info(`Control socket at: ${ctlPath}`);
      }
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

  /** The control socket's commands, run through the same queue as signals. */
  #controlHandler(): ReturnType<typeof controlHandler> {
    return controlHandler({
      workers: () => [...this.#workers.values()],
      target: () => this.#target,
      reload: () => this.#enqueue({ kind: 'call', run: () => this.#reload() }),
      scale: (n) => {
        this.#enqueue({
          kind: 'call',
          run: () => {
            this.#setTarget(n);
            this.#logger.info(`Scaling to ${n} worker${n === 1 ? '' : 's'}`);
            this.#maintainWorkerCount();
          },
        });
        return n;
      },
      stop: () => this.#enqueue({ kind: 'call', run: () => this.#stop(true, EXIT_CODES.OK, 'Stopped through the control socket.') }),
    });
  }

  /** Reloads as HUP does (readiness-gated), without a signal: the dev server's watcher calls it. */
  reload(): void {
    this.#enqueue({ kind: 'call', run: () => this.#reload() });
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
      case 'recycle':
        return this.#onRecycle(event.worker, event.recycle);
      case 'call':
        return event.run();
      case 'tick':
        this.#promote();
        this.#killStuckWorkers();
        this.#killOverdueWorkers();
        this.#maintainWorkerCount();
        return;
    }
  }

  async #onSignal(signal: MasterSignal): Promise<void> {
    // Terminals send WINCH on every resize: only worth a line after USR2.
    if (signal === 'SIGWINCH' && !this.#upgrade.newMasterRunning) return;
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
        this.#setTarget(this.#target + 1);
        this.#logger.info(`Scaling to ${this.#target} workers`);
        return this.#maintainWorkerCount();
      case 'SIGTTOU':
        this.#setTarget(Math.max(1, this.#target - 1));
        this.#logger.info(`Scaling to ${this.#target} worker${this.#target === 1 ? '' : 's'}`);
        return this.#maintainWorkerCount();
      case 'SIGUSR1':
        this.#logging.reopen();
        for (const w of this.#workers.values()) w.signal('SIGUSR1');
        return;
      case 'SIGUSR2':
        if (this.#stopping) return;
        await this.#hook('preExec');
        this.#upgrade.start(this.#listeners, this.#options.startDir ?? this.#options.cwd);
        return;
      case 'SIGWINCH':
        return this.#stopWorkersForNewMaster();
    }
  }

  /** WINCH: after USR2, let the new master's workers take all the traffic. */
  #stopWorkersForNewMaster(): void {
    if (!this.#upgrade.newMasterRunning) return;
    this.#target = 0;
    this.#logger.info('Stopping this master\'s workers gracefully; the new master serves');
    this.#maintainWorkerCount();
  }

  /** In a master started by USR2: once the old master is gone, take over its pidfile. */
  #promote(): void {
    if (!this.#upgrade.oldMasterGone()) return;
    try {
      if (this.#pidfile && this.#config.pidfile) this.#pidfile.rename(this.#config.pidfile);
      if (this.#control && this.#config.ctlSocket) this.#control.rename(this.#config.ctlSocket);
    } catch (e) {
      this.#logger.error(`Taking over from the old master: ${(e as Error).message}`);
    }
  }

  #spawn(): void {
    const id = this.#nextId++;
    void callHook(this.#logger, 'preFork', this.#config.preFork, this.#view(), { id, pid: undefined, generation: this.#generation });
    const worker = (this.#options.spawn ?? spawnWorker)({
      id,
      generation: this.#generation,
      config: this.#config,
      configFile: this.#configFile,
      cwd: this.#options.cwd,
      listeners: this.#listeners,
      captureOutput: this.#config.captureOutput && this.#logger.sink.isFile,
      identity: this.#identity,
    });
    this.#workers.set(worker.pid, worker);
    this.#options.onSpawn?.(worker);
    worker.channel.on('ready', () => this.#enqueue({ kind: 'ready', worker }));
    worker.channel.on('metrics', (m) => this.#metrics?.received(worker.pid, m.id, m.snapshot));
    worker.channel.on('recycle', (m) => this.#enqueue({ kind: 'recycle', worker, recycle: { kind: m.kind, reason: m.reason } }));
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
    if (!this.#everReady) {
      void this.#hook('whenReady');
      this.#systemd?.notify('ready', `Serving with ${this.#target} workers`);
    }
    this.#everReady = true;
    this.#bootFailures = 0;
    this.#logger.debug(`Worker ${worker.pid} is ready (generation ${worker.generation})`);
    if (this.#stopping) {
      worker.retire(this.#config.gracefulTimeout, 'stop');
      return;
    }
    this.#maintainWorkerCount();
  }

  /** Recycling: the worker keeps serving until its replacement is ready, then drains. */
  #onRecycle(worker: WorkerHandle, recycle: { readonly kind: RecycleKind; readonly reason: string }): void {
    if (!this.#workers.has(worker.pid) || worker.state !== 'ready' || worker.recycle) return;
    worker.recycle = recycle;
    this.#logger.info(`Recycling worker (pid:${worker.pid}): ${recycle.reason}`);
    this.#maintainWorkerCount();
  }

  #onExit(worker: WorkerHandle, code: number | null, signal: NodeJS.Signals | null): void {
    this.#workers.delete(worker.pid);
    worker.release();
    this.#metrics?.workerExited(worker, this.#stopping !== null);
    void callHook(this.#logger, 'childExit', this.#config.childExit, this.#view(), { id: worker.id, pid: worker.pid, generation: worker.generation });
    const how = signal ? `was killed by ${signal}` : `exited with code ${code}`;
    if (this.#stopping) {
      this.#logger.debug(`Worker ${worker.pid} ${how}`);
      if (this.#workers.size === 0) void this.#finish();
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
    if (worker.killedFor === 'rollback') return this.#maintainWorkerCount();
    const why = worker.killedFor === 'timeout' ? `was killed after --timeout ${this.#config.timeout} s without a heartbeat (blocked while importing the app?)` : how;
    const failure = worker.bootFailure ?? { reason: 'boot' as const, message: `worker ${worker.pid} ${why} before it was ready`, detail: undefined };
    this.#logger.error(failure.detail ? `${failure.message}\n${failure.detail}` : failure.message);
    if (!this.#everReady) {
      const [code, reason] = HALT_FOR[failure.reason];
      return this.#stop(false, code, reason);
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
    const plan = planFleet(this.#workers.values(), this.#generation, this.#target, Date.now() >= this.#respawnAt);
    for (let i = 0; i < plan.spawn; i++) this.#spawn();
    this.#reportWorkerCount();
    for (const { worker, reason } of plan.retire) worker.retire(this.#config.gracefulTimeout, reason);
    if (this.#reloadFrom && plan.settled) {
      this.#reloadFrom = null;
      const n = plan.readyCurrent;
      this.#logger.info(`Reload complete: ${n} worker${n === 1 ? '' : 's'} of generation ${this.#generation} serving`);
      this.#reloadDone(true);
    }
  }

  #reloadDone(ok: boolean): void {
    this.#options.onReloadDone?.(ok);
    this.#systemd?.notify('ready', ok ? `Serving with ${this.#target} workers` : 'Reload failed; the previous workers serve');
  }

  /** statsd's `workers` gauge, sent when the count of live workers changes. */
  #reportWorkerCount(): void {
    if (!this.#logging.statsd || this.#workers.size === this.#reportedWorkers) return;
    this.#reportedWorkers = this.#workers.size;
    this.#logging.statsd.gauge('workers', this.#workers.size);
  }

  async #reload(): Promise<void> {
    if (this.#stopping) return;
    let next: Resolved;
    try {
      next = await this.#options.reresolve();
    } catch (e) {
      this.#logger.error(`Reload aborted, the current workers keep serving: ${(e as Error).message}`);
      this.#reloadDone(false);
      return;
    }
    if (next.config.bind.join(',') !== this.#config.bind.join(',')) {
      this.#logger.warning('bind changed in the new configuration; addresses change only on a restart');
    }
    this.#systemd?.notify('reloading', 'Reloading');
    this.#reloadFrom ??= { config: this.#config, configFile: this.#configFile, generation: this.#generation, target: this.#target };
    this.#config = next.config;
    this.#configFile = next.configFile;
    this.#setTarget(next.config.workers);
    this.#generation++;
    this.#metrics?.reloaded();
    await this.#hook('onReload');
    this.#respawnAt = 0;
    this.#logger.info(`Reloading: starting ${this.#target} worker${this.#target === 1 ? '' : 's'} of generation ${this.#generation}`);
    this.#maintainWorkerCount();
  }

  /** A new generation could not boot: drop its booting workers and keep the old ones serving. */
  #rollback(): void {
    const from = this.#reloadFrom!;
    for (const w of this.#workers.values()) {
      if (w.generation === this.#generation && w.state === 'booting') w.kill('rollback');
    }
    this.#logger.error(`Reload failed: generation ${this.#generation} could not boot; the workers already serving keep serving`);
    this.#config = from.config;
    this.#configFile = from.configFile;
    this.#setTarget(from.target);
    this.#generation = from.generation;
    this.#reloadFrom = null;
    this.#reloadDone(false);
  }

  #killStuckWorkers(): void {
    const limit = this.#config.timeout * 1000;
    if (limit <= 0) return;
    const now = Date.now();
    for (const w of this.#workers.values()) {
      if (w.killed || w.timingOut) continue;
      const silent = w.silentFor(now);
      if (silent > limit) void this.#reportAndKill(w, silent);
    }
  }

  /** Asks the stuck worker's watchdog where it is stuck, logs it, then kills the worker. */
  async #reportAndKill(w: WorkerHandle, silent: number): Promise<void> {
    w.timingOut = true;
    const report = await w.watchdog.capture('timeout', STACK_DEADLINE_MS);
    this.#logger.critical(timeoutMessage(w.pid, silent, this.#config.timeout, report));
    w.kill('timeout');
  }

  #killOverdueWorkers(): void {
    const now = Date.now();
    for (const w of this.#workers.values()) {
      if (!w.killed && w.killAt !== null && now >= w.killAt) {
        this.#logger.warning(`Worker (pid:${w.pid}) did not stop within the graceful timeout; killing it`);
        w.kill('overdue');
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
    this.#systemd?.notify('stopping', reason ?? 'Stopping');
    for (const l of this.#listeners) l.close({ keepPath: this.#upgrade.newMasterRunning });
    this.#listeners = [];
    const timeout = this.#config.gracefulTimeout;
    for (const w of this.#workers.values()) {
      if (graceful) {
        w.retire(timeout, 'stop');
      } else {
        w.state = 'retiring';
        w.killAt = Date.now() + Math.min(timeout, 5) * 1000;
        w.signal('SIGQUIT');
      }
    }
    if (this.#workers.size === 0) void this.#finish();
  }

  async #finish(): Promise<void> {
    const stop = this.#stopping!;
    this.#cleanup();
    this.#logger.info('Shutting down: Master');
    if (stop.reason) this.#logger.info(`Reason: ${stop.reason}`);
    await this.#hook('onExit');
    this.#done(stop.code);
  }

  #cleanup(): void {
    this.#systemd?.close();
    this.#metrics?.close();
    this.#metrics = null;
    if (this.#tick) clearInterval(this.#tick);
    this.#tick = null;
    this.#removeSignals?.();
    this.#removeSignals = null;
    this.#control?.close();
    this.#control = null;
    const keepPath = this.#upgrade.newMasterRunning;
    for (const l of this.#listeners) l.close({ keepPath });
    this.#listeners = [];
    this.#pidfile?.unlink(process.pid);
  }
}
