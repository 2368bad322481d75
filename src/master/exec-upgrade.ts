// USR2, as Gunicorn: executes a new master (the same command, possibly a new
// Narwhal or Node after a deploy) that inherits the listening sockets at fds
// 3.. (NARWHAL_FD), so no connection is refused while the two overlap. Holds
// both sides: the old master's child, and the new master's wait for its
// parent to go. Created by the arbiter; master only.

import { spawn, type ChildProcess } from 'node:child_process';
import { upgradeEnv, type InheritedSockets } from '../config/env.js';
import type { Logger } from '../log/logger.js';
import type { BoundListener } from './listeners.js';

export class Upgrade {
  readonly #logger: Logger;
  #newMaster: ChildProcess | null = null;
  /** In a master started by USR2: the old master's pid, until it is gone. */
  #oldMasterPid: number | null;

  constructor(inherited: InheritedSockets | null, logger: Logger) {
    this.#logger = logger;
    this.#oldMasterPid = inherited?.from === 'upgrade' ? process.ppid : null;
  }

  /** True while a new master started by this one runs. */
  get newMasterRunning(): boolean {
    return this.#newMaster !== null;
  }

  /** Where this master keeps a file the old master still holds: `<path>.2` until it is gone. */
  pathFor(path: string): string {
    return this.#oldMasterPid === null ? path : `${path}.2`;
  }

  /** Starts the new master; ignored while two masters run already. */
  start(listeners: readonly BoundListener[], startDir: string): void {
    if (this.#oldMasterPid !== null || this.#newMaster) {
      this.#logger.warning('USR2 ignored: an upgrade is already in progress (two masters are running)');
      return;
    }
    const child = spawn(process.execPath, [...process.execArgv, ...process.argv.slice(1)], {
      cwd: startDir,
      env: upgradeEnv(listeners.map((l) => l.label)),
      stdio: ['inherit', 'inherit', 'inherit', ...listeners.map((l) => l.fd)],
    });
    // The old master may exit (TERM) while the new one keeps serving.
    child.unref();
    this.#newMaster = child;
    child.once('exit', (code, signal) => {
      if (this.#newMaster === child) this.#newMaster = null;
      this.#logger.info(`The new master (pid:${child.pid}) exited (${signal ?? `code ${code}`})`);
    });
    this.#logger.info(`Upgrading: started a new master with pid ${child.pid} on the same sockets; WINCH stops this master's workers, TERM stops this master`);
  }

  /** True once, in a master started by USR2, when the old master (its parent) is gone. */
  oldMasterGone(): boolean {
    if (this.#oldMasterPid === null || process.ppid === this.#oldMasterPid) return false;
    this.#logger.info(`The old master (pid:${this.#oldMasterPid}) is gone; this master takes over`);
    this.#oldMasterPid = null;
    return true;
  }
}
