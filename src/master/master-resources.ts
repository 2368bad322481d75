// What the master holds open besides its workers: the pidfile, the listening
// sockets, the metrics endpoint and the control socket. Opened one by one as
// the arbiter starts, closed together when it stops or its start fails; after
// a USR2 the named files take the old master's names once it is gone.
// Created by the arbiter; master only.

import type { InheritedSockets } from '../config/env.js';
import type { Config } from '../config/settings.js';
import { ControlServer, type CtlHandler } from '../ctl/server.js';
import type { Logger } from '../log/logger.js';
import type { ScalingProbe } from '../metrics/master-metrics.js';
import { adoptAll, bindAll, type BoundListener } from './listeners.js';
import type { MetricsBridge } from './metrics-bridge.js';
import { Pidfile } from './pidfile.js';
import type { Upgrade } from './exec-upgrade.js';
import type { WorkerHandle } from './worker-handle.js';

export class MasterResources {
  readonly #upgrade: Upgrade;
  readonly #logger: Logger;
  #pidfile: Pidfile | null = null;
  #listeners: BoundListener[] = [];
  #metrics: MetricsBridge | null = null;
  #control: ControlServer | null = null;

  constructor(upgrade: Upgrade, logger: Logger) {
    this.#upgrade = upgrade;
    this.#logger = logger;
  }

  /** Handed to every new worker, and to a new master on USR2. */
  get listeners(): readonly BoundListener[] {
    return this.#listeners;
  }

  get metrics(): MetricsBridge | null {
    return this.#metrics;
  }

  /** Beside the old master's pidfile until it is gone (see takeOver). */
  createPidfile(file: string, umask: number): void {
    this.#pidfile = new Pidfile(this.#upgrade.pathFor(file));
    this.#pidfile.create(process.pid, umask);
  }

  /** Sockets handed over by an old master or systemd are adopted; otherwise the master binds. */
  async openListeners(config: Config, inherited: InheritedSockets | null): Promise<void> {
    this.#listeners = inherited ? adoptAll(inherited.fds, inherited.labels) : await bindAll(config.bind, config.umask);
    for (const l of this.#listeners) this.#logger.info(`Listening at: ${config.certfile ? l.label.replace(/^http:/, 'https:') : l.label} (${process.pid})`);
  }

  async startMetrics(bind: string, workers: () => WorkerHandle[], scaling: () => ScalingProbe): Promise<void> {
    // prom-client is loaded only with --metrics-bind.
    this.#metrics = await (await import('./metrics-bridge.js')).MetricsBridge.start(bind, workers, scaling, this.#logger);
  }

  async openControl(file: string, handler: CtlHandler): Promise<void> {
    // Beside the old master's control socket until it is gone, as the pidfile.
    const ctlPath = this.#upgrade.pathFor(file);
    this.#control = await ControlServer.listen(ctlPath, handler);
    this.#logger.info(`Control socket at: ${ctlPath}`);
  }

  /** The old master is gone: its pidfile and control socket names are this master's now. */
  takeOver(config: Config): void {
    try {
      if (this.#pidfile && config.pidfile) this.#pidfile.rename(config.pidfile);
      if (this.#control && config.ctlSocket) this.#control.rename(config.ctlSocket);
    } catch (e) {
      this.#logger.error(`Taking over from the old master: ${(e as Error).message}`);
    }
  }

  /** As a stop begins: once the workers close theirs too, the kernel refuses new connections instead of queueing them for nobody. */
  closeListeners(): void {
    // A unix socket's file stays while a new master (USR2) serves on it.
    const keepPath = this.#upgrade.newMasterRunning;
    for (const l of this.#listeners) l.close({ keepPath });
    this.#listeners = [];
  }

  close(): void {
    this.#metrics?.close();
    this.#metrics = null;
    this.#control?.close();
    this.#control = null;
    this.closeListeners();
    this.#pidfile?.unlink(process.pid);
  }
}
