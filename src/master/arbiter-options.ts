// What cli/main.ts hands the arbiter: the resolved settings and how to resolve
// them again, and the seams the dev server uses (its own spawn, a look at each
// new worker, the outcome of each reload). Types only; master process.

import type { Resolved } from '../config/resolve.js';
import type { InheritedSockets, SystemdNotifyEnv } from '../config/env.js';
import type { SpawnOptions } from './spawn.js';
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
  /** Whether a generation's workers serve an error page because the app failed to load (dev). */
  readonly loadFailed?: (generation: number) => boolean;
  /** Set when systemd started the master as a Type=notify service. */
  readonly systemd?: SystemdNotifyEnv | null;
}
