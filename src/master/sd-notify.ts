// Tells systemd (Type=notify) how the master is doing: READY once the first
// workers serve, RELOADING/READY around a reload, STOPPING, and WATCHDOG pings.
// Node.js cannot write to unix datagram sockets, so each notification is sent
// by systemd's own `systemd-notify` (the unit needs NotifyAccess=all). Master only.

import { execFile } from 'node:child_process';
import type { SystemdNotifyEnv } from '../config/env.js';
import type { Logger } from '../log/logger.js';

export type Lifecycle = 'ready' | 'reloading' | 'stopping';

export class SystemdNotifier {
  readonly #logger: Logger;
  readonly #watchdog: NodeJS.Timeout | null = null;
  #warned = false;

  constructor(env: SystemdNotifyEnv, logger: Logger) {
    this.#logger = logger;
    if (env.watchdogUsec) {
      // systemd's advice: ping at half the interval it allows.
      this.#watchdog = setInterval(() => this.#send(['WATCHDOG=1']), Math.max(100, env.watchdogUsec / 2000));
      this.#watchdog.unref();
    }
  }

  notify(state: Lifecycle, status: string): void {
    const monotonicUsec = String(process.hrtime.bigint() / 1000n);
    const fields = { ready: ['READY=1'], reloading: ['RELOADING=1', `MONOTONIC_USEC=${monotonicUsec}`], stopping: ['STOPPING=1'] }[state];
    this.#send([...fields, `STATUS=${status}`]);
  }

  #send(fields: string[]): void {
    // systemd-notify finds NOTIFY_SOCKET in the environment this master inherited from systemd.
    execFile('systemd-notify', [`--pid=${process.pid}`, ...fields], (err) => {
      if (err && !this.#warned) {
        this.#warned = true;
        this.#logger.warning(`Cannot notify systemd (${(err as NodeJS.ErrnoException).code ?? err.message}): is systemd-notify installed?`);
      }
    });
  }

  close(): void {
    if (this.#watchdog) clearInterval(this.#watchdog);
  }
}
