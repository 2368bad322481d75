// The master's record of one worker: its process, generation, state and
// heartbeat file. Lives in the master only; the code that runs inside a worker
// is worker/worker.ts.

import type { ChildProcess } from 'node:child_process';
import { closeSync, fstatSync } from 'node:fs';
import type { Channel } from '../ipc/channel.js';
import type { BootFailureReason, MasterMessage, WorkerMessage } from '../ipc/messages.js';

export type WorkerState = 'booting' | 'ready' | 'retiring';

export interface BootFailure {
  readonly reason: BootFailureReason;
  readonly message: string;
  readonly detail?: string | undefined;
}

export class WorkerHandle {
  readonly id: number;
  readonly pid: number;
  readonly generation: number;
  readonly child: ChildProcess;
  readonly channel: Channel<MasterMessage, WorkerMessage>;
  readonly bornAt = Date.now();
  state: WorkerState = 'booting';
  /** When a retiring worker must be gone (then it is killed). */
  killAt: number | null = null;
  /** Why the master sent SIGKILL, once it has. */
  killedFor: 'timeout' | 'overdue' | 'rollback' | null = null;
  /** What the worker said when it could not boot. */
  bootFailure: BootFailure | null = null;
  readonly #heartbeatFd: number;

  constructor(init: {
    id: number;
    generation: number;
    child: ChildProcess;
    channel: Channel<MasterMessage, WorkerMessage>;
    heartbeatFd: number;
  }) {
    this.id = init.id;
    this.pid = init.child.pid!;
    this.generation = init.generation;
    this.child = init.child;
    this.channel = init.channel;
    this.#heartbeatFd = init.heartbeatFd;
  }

  /** Milliseconds since the worker last touched its heartbeat file. */
  silentFor(now = Date.now()): number {
    try {
      return now - fstatSync(this.#heartbeatFd).mtimeMs;
    } catch {
      return 0;
    }
  }

  signal(sig: NodeJS.Signals): void {
    try {
      process.kill(this.pid, sig);
    } catch {
      // Already gone; its exit event is on its way.
    }
  }

  /** Graceful stop: the worker drains, and is killed at `killAt`. */
  retire(gracefulTimeout: number): void {
    if (this.state === 'retiring') return;
    this.state = 'retiring';
    this.killAt = Date.now() + gracefulTimeout * 1000;
    this.signal('SIGTERM');
  }

  get killed(): boolean {
    return this.killedFor !== null;
  }

  kill(reason: 'timeout' | 'overdue' | 'rollback'): void {
    this.killedFor = reason;
    this.signal('SIGKILL');
  }

  release(): void {
    try {
      closeSync(this.#heartbeatFd);
    } catch {
      // Closed already.
    }
  }
}
