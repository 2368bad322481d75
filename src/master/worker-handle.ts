// The master's record of one worker: its process, generation, state and
// heartbeat file. Lives in the master only; the code that runs inside a worker
// is worker/worker.ts.

import type { ChildProcess } from 'node:child_process';
import { closeSync, fstatSync } from '../node-fs.js';
import type { Channel } from '../ipc/channel.js';
import type { BootFailureReason, MasterMessage, RecycleKind, WorkerMessage, WorkerStats } from '../ipc/messages.js';
import { Replies } from '../ipc/replies.js';
import type { WatchdogClient } from './watchdog-client.js';

export type WorkerState = 'booting' | 'ready' | 'retiring';
export type RetireReason = 'reload' | 'scale-down' | 'stop' | 'max-requests' | 'memory' | 'lifetime' | 'crash';

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
  /** Answers even when the worker's event loop is blocked (stacks for timeouts and dumps). */
  readonly watchdog: WatchdogClient;
  readonly bornAt = Date.now();
  /** Why the worker asked to be replaced; it is retired once a replacement is ready. */
  recycle: { readonly kind: RecycleKind; readonly reason: string } | null = null;
  /** Set while the master collects a timed-out worker's stack, before killing it. */
  timingOut = false;
  state: WorkerState = 'booting';
  /** When a retiring worker must be gone (then it is killed). */
  killAt: number | null = null;
  /** Why the master sent SIGKILL, once it has. */
  killedFor: 'timeout' | 'overdue' | 'rollback' | null = null;
  /** What the worker said when it could not boot. */
  bootFailure: BootFailure | null = null;
  readonly #heartbeatFd: number;
  readonly #stats = new Replies<WorkerStats>();

  constructor(init: {
    id: number;
    generation: number;
    child: ChildProcess;
    channel: Channel<MasterMessage, WorkerMessage>;
    heartbeatFd: number;
    watchdog: WatchdogClient;
  }) {
    this.watchdog = init.watchdog;
    this.id = init.id;
    this.pid = init.child.pid!;
    this.generation = init.generation;
    this.child = init.child;
    this.channel = init.channel;
    this.#heartbeatFd = init.heartbeatFd;
    this.channel.on('stats', (m) => this.#stats.settle(m.id, m.stats));
    this.channel.on('boot-failed', (m) => (this.bootFailure = { reason: m.reason, message: m.message, detail: m.detail }));
  }

  /** The worker's own report, or null when it does not answer in time (blocked, or going away). */
  queryStats(timeoutMs: number): Promise<WorkerStats | null> {
    return this.#stats.ask((id) => this.channel.send({ type: 'stats-request', id }), timeoutMs);
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

  /** Why it was asked to stop: a reload, a scale-down, a recycle, or the master stopping. */
  retiredFor: RetireReason | null = null;

  /** Graceful stop: the worker drains, and is killed at `killAt`. */
  retire(gracefulTimeout: number, reason: RetireReason): void {
    if (this.state === 'retiring') return;
    this.state = 'retiring';
    this.retiredFor = reason;
    this.killAt = Date.now() + gracefulTimeout * 1000;
    this.signal('SIGTERM');
  }

  /** Quick stop (INT, QUIT, a failed start): the worker exits at once, and is killed if still there after at most 5 s. */
  quit(gracefulTimeout: number): void {
    this.state = 'retiring';
    this.killAt = Date.now() + Math.min(gracefulTimeout, 5) * 1000;
    this.signal('SIGQUIT');
  }

  get killed(): boolean {
    return this.killedFor !== null;
  }

  kill(reason: 'timeout' | 'overdue' | 'rollback'): void {
    this.killedFor = reason;
    this.signal('SIGKILL');
  }

  release(): void {
    this.watchdog.close();
    try {
      closeSync(this.#heartbeatFd);
    } catch {
      // Closed already.
    }
  }
}
