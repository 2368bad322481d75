// The one protocol between the master and its workers: a union keyed by `type`.
// The only module (with channel.ts) that both processes import.

import type { Config } from '../config/settings.js';

/** What a worker needs to boot, sent by the master right after spawning it. */
export interface BootInfo {
  readonly workerId: number;
  readonly generation: number;
  /** The settings, as resolved by the master (functions are not sent). */
  readonly config: Config;
  /** The fd of the heartbeat file the worker touches. */
  readonly heartbeatFd: number;
  /** The listening sockets, as inherited fds, with how to show them in logs. */
  readonly listeners: readonly { readonly fd: number; readonly label: string }[];
}

export type MasterMessage = { readonly type: 'boot'; readonly boot: BootInfo };

export type WorkerMessage =
  | { readonly type: 'ready' }
  /** With --reload: the files the app loaded (its module graph), for the master's watcher. */
  | { readonly type: 'modules'; readonly files: readonly string[] }
  /**
   * With --reload --debug: the app failed to import, and this worker serves the
   * load-error page instead of exiting (it reports ready after this).
   */
  | { readonly type: 'load-error'; readonly message: string; readonly detail?: string | undefined }
  | {
      readonly type: 'boot-failed';
      readonly reason: 'app-load' | 'boot';
      /** One line naming what failed and how to fix it. */
      readonly message: string;
      /** The app's own stack, for import errors. */
      readonly detail?: string | undefined;
    };

export type MessageOf<U extends { type: string }, T extends U['type']> = Extract<U, { type: T }>;
