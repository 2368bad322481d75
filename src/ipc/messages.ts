// The one protocol between the master and its workers: a union keyed by `type`.
// The only module (with channel.ts) that both processes import.

import type { Config } from '../config/settings.js';
import type { MetricsSnapshot } from '../metrics/worker-metrics.js';

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
  /** The fd of the pipe the worker's watchdog thread answers the master on. */
  readonly watchdogFd: number;
}

export type MasterMessage =
  | { readonly type: 'boot'; readonly boot: BootInfo }
  /** A scrape of --metrics-bind: the worker answers with a `metrics` message of the same id. */
  | { readonly type: 'metrics-request'; readonly id: number }
  /** For `narwhal ctl stats`: the worker answers with a `stats` message carrying the same id. */
  | { readonly type: 'stats-request'; readonly id: number }
  /** Autoscaling: close this many kept-alive connections (`Connection: close` on a response) within `withinMs`. */
  | { readonly type: 'shed'; readonly connections: number; readonly withinMs: number };

/** A worker's load, sent every --scale-interval when autoscaling is on (worker/stats.ts samples it). */
export interface LoadSample {
  /** Event-loop utilisation since the previous sample, 0..1. */
  readonly utilisation: number;
  readonly inFlight: number;
  /** Open client connections (kept-alive ones included). */
  readonly connections: number;
  readonly rssBytes: number;
}

/** Why a worker could not boot: the app, the socket, or anything else. */
export type BootFailureReason = 'app-load' | 'bind' | 'boot';

/** Which recycling limit a worker reached. */
export type RecycleKind = 'max-requests' | 'memory' | 'lifetime';

/** Why a worker went down by itself: it crashed, or it grew past --max-worker-memory. */
export type GoingDownReason = 'crash' | 'memory';

/** What a worker reports about itself for `narwhal ctl stats`. */
export interface WorkerStats {
  readonly requestsServed: number;
  readonly inFlight: number;
  readonly rssBytes: number;
  readonly heapUsedBytes: number;
  /** Event-loop delay since the previous report, in milliseconds. */
  readonly loopLagMeanMs: number;
  readonly loopLagMaxMs: number;
}

export type WorkerMessage =
  | { readonly type: 'ready' }
  /** Its Prometheus metrics: a reply (`id`), or a last word before a graceful exit (`id` null). */
  | { readonly type: 'metrics'; readonly id: number | null; readonly snapshot: MetricsSnapshot }
  /** The worker hit a recycling limit: start its replacement, then retire it. */
  | { readonly type: 'recycle'; readonly kind: RecycleKind; readonly reason: string }
  /**
   * The worker has stopped accepting and is draining by itself (an uncaught
   * exception, or over --max-worker-memory): start its replacement now.
   */
  | { readonly type: 'going-down'; readonly reason: GoingDownReason; readonly message: string }
  | { readonly type: 'stats'; readonly id: number; readonly stats: WorkerStats }
  | { readonly type: 'load'; readonly load: LoadSample }
  /** With --reload: the files the app loaded (its module graph), for the master's watcher. */
  | { readonly type: 'modules'; readonly files: readonly string[] }
  /**
   * With --reload --debug: the app failed to import, and this worker serves the
   * load-error page instead of exiting (it reports ready after this).
   */
  | { readonly type: 'load-error'; readonly message: string; readonly detail?: string | undefined }
  | {
      readonly type: 'boot-failed';
      readonly reason: BootFailureReason;
      /** One line naming what failed and how to fix it. */
      readonly message: string;
      /** The app's own stack, for import errors. */
      readonly detail?: string | undefined;
    };

export type MessageOf<U extends { type: string }, T extends U['type']> = Extract<U, { type: T }>;

/** A request in flight in a worker, as reported to the master. */
export interface RequestReport {
  readonly method: string;
  readonly path: string;
  /** Epoch milliseconds. */
  readonly startedAt: number;
}

/**
 * The master's question to a worker's watchdog thread, over its own pipe
 * (newline-delimited JSON): the watchdog answers even when the worker's
 * event loop is blocked, which the IPC channel cannot.
 */
export interface WatchdogRequest {
  readonly type: 'capture';
  readonly id: number;
  /** `timeout`: the loop is known to be blocked; `dump`: a look without harm. */
  readonly reason: 'timeout' | 'dump';
}

export interface WatchdogReport {
  readonly type: 'stack';
  readonly id: number;
  /** True when the event loop had not turned for a while when asked. */
  readonly blocked: boolean;
  /** Milliseconds since the event loop last turned. */
  readonly loopLagMs: number;
  /** The frames where the JavaScript thread was paused, app source lines mapped; null when it was idle. */
  readonly frames: readonly string[] | null;
  /** The request whose code was running, when known. */
  readonly current: RequestReport | null;
  readonly inFlight: readonly RequestReport[];
  /** Why no stack could be taken, if so. */
  readonly error?: string | undefined;
}
