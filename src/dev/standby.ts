// The dev server's warm standby: a worker process started ahead of time that
// has already loaded Node, tsx and the module-graph hooks, and waits for its
// boot message. A reload hands it the boot instead of starting a process, which
// takes process start and tsx registration out of save-to-answer latency.
// Created by cli/main.ts with --reload and given to the arbiter; runs in the master.

import { closeSync, futimesSync } from '../node-fs.js';
import { bootWorker, startWorkerProcess, type SpawnOptions, type StartedProcess } from '../master/spawn.js';
import type { WorkerHandle } from '../master/worker-handle.js';
import { STANDBY_ARG, STANDBY_TS_ARG } from './standby-arg.js';


/** What a standby must share with the worker it becomes: its process was started with these. */
function keyOf(opts: SpawnOptions): string {
  const c = opts.config;
  return JSON.stringify([opts.cwd, c.app, c.rawEnv, c.workerTmpDir, c.typescript, opts.captureOutput, opts.listeners.map((l) => l.fd)]);
}

const standbyArgs = (opts: SpawnOptions): string[] => [STANDBY_ARG, `${STANDBY_TS_ARG}${opts.config.typescript}`];

interface Spare {
  readonly started: StartedProcess;
  readonly key: string;
  /** Once booted as a worker, its heartbeat fd belongs to the WorkerHandle. */
  adopted: boolean;
}

export class StandbySpawner {
  #spare: Spare | null = null;
  #closed = false;

  /** The arbiter's spawner: boots the standby when it fits, then starts the next one once this worker is ready. */
  readonly spawn = (opts: SpawnOptions): WorkerHandle => {
    const key = keyOf(opts);
    let started: StartedProcess | null = null;
    const spare = this.#spare;
    this.#spare = null;
    if (spare && spare.key === key && spare.started.child.exitCode === null && spare.started.child.connected) {
      started = spare.started;
      spare.adopted = true;
      // Its heartbeat file is as old as the standby; the master must not take it for stuck.
      const now = Date.now() / 1000;
      futimesSync(started.heartbeatFd, now, now);
    } else if (spare) {
      this.#discard(spare.started);
    }
    const handle = bootWorker(started ?? startWorkerProcess(opts, standbyArgs(opts)), opts);
    // The next standby starts when this worker has booted, so the two do not compete for the CPU.
    const onMessage = (m: unknown) => {
      if ((m as { type?: string } | null)?.type !== 'ready') return;
      handle.child.off('message', onMessage);
      this.#prepare(opts, key);
    };
    handle.child.on('message', onMessage);
    return handle;
  };

  #prepare(opts: SpawnOptions, key: string): void {
    if (this.#closed || this.#spare) return;
    const started = startWorkerProcess(opts, standbyArgs(opts));
    started.child.on('error', () => {});
    const spare: Spare = { started, key, adopted: false };
    started.child.once('exit', () => {
      if (this.#spare === spare) this.#spare = null;
      if (!spare.adopted) closeSync(started.heartbeatFd);
    });
    this.#spare = spare;
  }

  #discard(started: StartedProcess): void {
    try {
      started.child.kill('SIGKILL');
    } catch {
      // Gone already.
    }
  }

  /** Stops the standby (the master is stopping). */
  close(): void {
    this.#closed = true;
    if (this.#spare) this.#discard(this.#spare.started);
    this.#spare = null;
  }
}
