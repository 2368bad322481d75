// The master's event loop: signals, worker messages and ticks go through one
// queue, handled in order by short named steps that keep the worker count,
// replace dead and stuck workers, reload by readiness-gated generations and
// stop gracefully. Created by cli/main.ts; master only, knows nothing of HTTP.

import type { Resolved } from '../config/resolve.js';
import type { Config } from '../config/settings.js';
import { EXIT_CODES } from '../errors.js';
import { createLogging, type Logging } from '../log/create.js';
import type { Logger } from '../log/logger.js';
import { procName, setProcessTitle } from '../process-title.js';
import type { ArbiterOptions } from './arbiter-options.js';
import { EventQueue } from './event-queue.js';
import { planFleet } from './fleet.js';
import { MasterHooks } from './master-hooks.js';
import { MasterResources } from './master-resources.js';
import { checkTlsFiles, checkWorkerTmpDir } from './preflight.js';
import { Upgrade } from './exec-upgrade.js';
import { resolveIdentity, type Identity } from './identity.js';
import { SystemdNotifier } from './sd-notify.js';
import { ignoreWhileExiting, onSignals, type MasterSignal } from './signals.js';
import { killOverdueWorkers, killStuckWorkers } from './reaper.js';
import { captureOutput, spawnWorker } from './spawn.js';
import { controlHandler } from './control.js';
import { Autoscaler, type ScaleRequest, type ScaleResult } from './autoscaler.js';
import type { WorkerHandle } from './worker-handle.js';
import type { MasterEvent as Event } from './master-events.js';
import type { RecycleKind } from '../ipc/messages.js';
import { describeExit, exitLine, judgeBootFailure } from './worker-exit.js';
import { onGoingDown } from './going-down.js';

export type { ArbiterOptions };

const TICK_MS = 200;

export class Arbiter {
  readonly #options: ArbiterOptions;
  readonly #workers = new Map<number, WorkerHandle>();
  readonly #queue = new EventQueue<Event>((event) => this.#handle(event));
  #config: Config;
  #configFile: string | null;
  #logger: Logger;
  #logging: Logging;
  #reportedWorkers = -1;
  readonly #systemd: SystemdNotifier | null;
  readonly #resources: MasterResources;
  #target: number;
  #generation = 1;
  #nextId = 1;
  /** The generation to go back to if the reload in progress fails. */
  #reloadFrom: { config: Config; configFile: string | null; generation: number; target: number } | null = null;
  #everReady = false;
  #bootFailures = 0;
  #respawnAt = 0;
  #stopping: { code: number; reason: string | null } | null = null;
  #tick: NodeJS.Timeout | null = null;
  #removeSignals: (() => void) | null = null;
  #identity: Identity = {};
  readonly #upgrade: Upgrade;
  readonly #hooks: MasterHooks;
  readonly #scaler: Autoscaler;
  #done!: (code: number) => void;

  constructor(options: ArbiterOptions) {
    this.#options = options;
    this.#config = options.resolved.config;
    this.#configFile = options.resolved.configFile;
    this.#logging = createLogging(this.#config, procName(this.#config));
    this.#logger = this.#logging.logger;
    this.#scaler = new Autoscaler(this.#logger, () => this.#resources.listeners, () => this.#logging.statsd);
    this.#target = this.#scaler.configure(this.#config, this.#config.workers);
    this.#upgrade = new Upgrade(options.inherited ?? null, this.#logger);
    this.#resources = new MasterResources(this.#upgrade, this.#logger);
    this.#systemd = options.systemd ? new SystemdNotifier(options.systemd, this.#logger) : null;
    this.#hooks = new MasterHooks(this.#logger, () => ({ config: this.#config, target: this.#target, workers: this.#workers.values() }));
  }

  get logger(): Logger {
    return this.#logger;
  }

  #setTarget(n: number): void {
    const old = this.#target;
    this.#target = n;
    this.#hooks.nworkersChanged(n, old);
  }

  /** Starts serving; resolves with the exit code once the master has stopped. */
  async run(): Promise<number> {
    const config = this.#config;
    setProcessTitle('master', procName(config));
    this.#logger.info(`Starting narwhal ${this.#options.version}`);
    await this.#hooks.call('onStarting');
    this.#identity = resolveIdentity(config.user, config.group);
    const resources = this.#resources;
    if (config.pidfile) resources.createPidfile(config.pidfile, config.umask);
    try {
      checkWorkerTmpDir(config.workerTmpDir);
      await checkTlsFiles(config);
      await resources.openListeners(config, this.#options.inherited ?? null);
      if (config.metricsBind) await resources.startMetrics(config.metricsBind, () => [...this.#workers.values()], () => this.#scaler.view(this.#workers.values(), this.#target));
      this.#logger.info(`App: ${config.app ?? '(none: serving the welcome page)'}, ${this.#target} worker${this.#target === 1 ? '' : 's'}`);
      await this.#options.preload?.();
      if (config.ctlSocket) await resources.openControl(config.ctlSocket, this.#controlHandler());
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
      scaling: () => this.#scaler.view(this.#workers.values(), this.#target),
      reload: () => this.#enqueue({ kind: 'call', run: () => this.#reload() }),
      scale: (request) => new Promise((resolve, reject) => this.#enqueue({ kind: 'call', run: () => void new Promise<ScaleResult>((ok) => ok(this.#rescale(request))).then(resolve, reject) })),
      stop: () => this.#enqueue({ kind: 'call', run: () => this.#stop(true, EXIT_CODES.OK, 'Stopped through the control socket.') }),
    });
  }

  /** Reloads as HUP does (readiness-gated), without a signal: the dev server's watcher calls it. */
  reload(): void {
    this.#enqueue({ kind: 'call', run: () => this.#reload() });
  }

  #enqueue(event: Event): void {
    // A tick still waiting covers this one: a slow step must not pile ticks up.
    if (event.kind === 'tick' && this.#queue.has((e) => e.kind === 'tick')) return;
    this.#queue.push(event);
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
        this.#setTarget(this.#scaler.tick(Date.now(), this.#workers.values(), this.#target, this.#stopping !== null || this.#reloadFrom !== null || this.#upgrade.newMasterRunning) ?? this.#target);
        void killStuckWorkers(this.#workers.values(), this.#config.timeout, this.#logger);
        killOverdueWorkers(this.#workers.values(), this.#logger);
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
      case 'SIGTTOU':
        return void this.#rescale({ kind: 'shift', by: signal === 'SIGTTIN' ? 1 : -1 });
      case 'SIGUSR1':
        this.#logging.reopen();
        for (const w of this.#workers.values()) w.signal('SIGUSR1');
        return;
      case 'SIGUSR2':
        if (this.#stopping) return;
        await this.#hooks.call('preExec');
        this.#upgrade.start(this.#resources.listeners, this.#options.startDir ?? this.#options.cwd);
        return;
      case 'SIGWINCH':
        return this.#stopWorkersForNewMaster();
    }
  }

  #rescale(request: ScaleRequest): ScaleResult {
    const result = this.#scaler.rescale(request, this.#target);
    this.#setTarget(result.to);
    this.#maintainWorkerCount();
    return result;
  }

  /** WINCH: after USR2, let the new master's workers take all the traffic. */
  #stopWorkersForNewMaster(): void {
    if (!this.#upgrade.newMasterRunning) return;
    this.#target = 0;
    this.#logger.info('Stopping this master\'s workers gracefully; the new master serves');
    this.#maintainWorkerCount();
  }

  /** In a master started by USR2: once the old master is gone, take over its pidfile and control socket. */
  #promote(): void {
    if (this.#upgrade.oldMasterGone()) this.#resources.takeOver(this.#config);
  }

  #spawn(): void {
    const id = this.#nextId++;
    this.#hooks.preFork(id, this.#generation);
    const worker = (this.#options.spawn ?? spawnWorker)({
      id,
      generation: this.#generation,
      config: this.#config,
      configFile: this.#configFile,
      cwd: this.#options.cwd,
      listeners: this.#resources.listeners,
      captureOutput: this.#config.captureOutput && this.#logger.sink.isFile,
      identity: this.#identity,
    });
    this.#workers.set(worker.pid, worker);
    this.#options.onSpawn?.(worker);
    worker.channel.on('ready', () => this.#enqueue({ kind: 'ready', worker }));
    worker.channel.on('load', (m) => this.#scaler.received(worker.pid, m.load));
    worker.channel.on('metrics', (m) => this.#resources.metrics?.received(worker.pid, m.id, m.snapshot));
    worker.channel.on('recycle', (m) => this.#enqueue({ kind: 'recycle', worker, recycle: { kind: m.kind, reason: m.reason } }));
    worker.channel.on('going-down', (m) =>
      this.#enqueue({ kind: 'call', run: () => void (this.#workers.has(worker.pid) && !this.#stopping && onGoingDown(worker, m, this.#config.gracefulTimeout, this.#logger) && this.#maintainWorkerCount()) }),
    );
    worker.child.once('exit', (code, signal) => this.#enqueue({ kind: 'exit', worker, code, signal }));
    worker.child.on('error', (err) => this.#logger.error(`Worker ${worker.pid}: ${err.message}`));
    captureOutput(worker.child, (text) => this.#logger.sink.write(text));
    this.#logger.info(`Booting worker with pid: ${worker.pid}`);
  }

  #onReady(worker: WorkerHandle): void {
    if (!this.#workers.has(worker.pid) || worker.state !== 'booting') return;
    worker.state = 'ready';
    if (!this.#everReady) {
      void this.#hooks.call('whenReady');
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
    this.#scaler.forget(worker.pid);
    worker.release();
    this.#resources.metrics?.workerExited(worker, this.#stopping !== null);
    this.#hooks.childExit(worker);
    const how = describeExit(code, signal);
    if (this.#stopping) {
      this.#logger.debug(`Worker ${worker.pid} ${how}`);
      if (this.#workers.size === 0) void this.#finish();
      return;
    }
    if (worker.state === 'booting') return this.#onBootFailure(worker, how);
    const line = exitLine(worker, how, signal);
    if (line) this.#logger.log(line.level, line.message);
    this.#maintainWorkerCount();
  }

  #onBootFailure(worker: WorkerHandle, how: string): void {
    const newGeneration = this.#reloadFrom !== null && worker.generation === this.#generation;
    const verdict = judgeBootFailure(worker, how, { timeout: this.#config.timeout, everReady: this.#everReady, newGeneration, failures: this.#bootFailures });
    if (verdict.action === 'expected') return this.#maintainWorkerCount();
    this.#logger.error(verdict.message);
    if (verdict.action === 'halt') return this.#stop(false, verdict.code, verdict.reason);
    if (verdict.action === 'rollback') return this.#rollback();
    this.#bootFailures++;
    this.#respawnAt = Date.now() + verdict.delayMs;
    this.#logger.warning(verdict.warning);
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
      const broken = this.#options.loadFailed?.(this.#generation) ?? false;
      if (broken) this.#logger.warning(`Reload failed: the app did not load; generation ${this.#generation} serves the error page`);
      else this.#logger.info(`Reload complete: ${n} worker${n === 1 ? '' : 's'} of generation ${this.#generation} serving`);
      this.#reloadDone(!broken);
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
    this.#setTarget(this.#scaler.configure(next.config, this.#target));
    this.#generation++;
    this.#resources.metrics?.reloaded();
    await this.#hooks.call('onReload');
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
    this.#setTarget(this.#scaler.configure(from.config, from.target));
    this.#generation = from.generation;
    this.#reloadFrom = null;
    this.#reloadDone(false);
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
    this.#resources.closeListeners();
    const timeout = this.#config.gracefulTimeout;
    for (const w of this.#workers.values()) {
      if (graceful) w.retire(timeout, 'stop');
      else w.quit(timeout);
    }
    if (this.#workers.size === 0) void this.#finish();
  }

  async #finish(): Promise<void> {
    const stop = this.#stopping!;
    this.#cleanup();
    ignoreWhileExiting();
    this.#logger.info('Shutting down: Master');
    if (stop.reason) this.#logger.info(`Reason: ${stop.reason}`);
    await this.#hooks.call('onExit');
    this.#done(stop.code);
  }

  #cleanup(): void {
    this.#systemd?.close();
    if (this.#tick) clearInterval(this.#tick);
    this.#tick = null;
    this.#removeSignals?.();
    this.#removeSignals = null;
    this.#resources.close();
  }
}
