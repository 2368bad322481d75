// The one protocol between the master and its workers: a union keyed by `type`.
// The only module (with channel.ts) that both processes import.

import type { Config } from '../config/settings.js';

/** What a worker needs to boot, sent by the master right after spawning it. */
export interface BootInfo {
  readonly workerId: number;
  readonly generation: number;
  /** The settings, as resolved by the master (functions are not sent). */
  readonly config: Config;
  /** Where the worker loads its own hooks from, and which ones are set. */
  readonly configFile: string | null;
  readonly workerHooks: readonly string[];
  /** The fd of the heartbeat file the worker touches. */
  readonly heartbeatFd: number;
  /** The listening sockets, as inherited fds, with how to show them in logs. */
  readonly listeners: readonly { readonly fd: number; readonly label: string }[];
}

export type MasterMessage = { readonly type: 'boot'; readonly boot: BootInfo };

/** Why a worker could not boot: the app, the socket, or anything else. */
export type BootFailureReason = 'app-load' | 'bind' | 'boot';

export type WorkerMessage =
  | { readonly type: 'ready' }
  | {
      readonly type: 'boot-failed';
      readonly reason: BootFailureReason;
      /** One line naming what failed and how to fix it. */
      readonly message: string;
      /** The app's own stack, for import errors. */
      readonly detail?: string | undefined;
    };

export type MessageOf<U extends { type: string }, T extends U['type']> = Extract<U, { type: T }>;
