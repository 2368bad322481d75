// What server hooks receive: read-only views of the master and of one worker,
// the Node equivalents of the Arbiter and Worker objects Gunicorn passes.

import type { IncomingMessage, ServerResponse } from 'node:http';

export interface WorkerView {
  /** The worker's number, counted from 1 across the master's life. */
  readonly id: number;
  /** Undefined in preFork, before the process exists. */
  readonly pid: number | undefined;
  /** Bumped by each reload (HUP). */
  readonly generation: number;
}

export interface ServerView {
  readonly pid: number;
  /** The resolved settings (hooks included). */
  readonly config: Readonly<Record<string, unknown>>;
  /** The workers the master keeps, now. */
  readonly workerCount: number;
  readonly workers: readonly WorkerView[];
  /** Writes to the error log, at info or another level. */
  log(message: string, level?: 'debug' | 'info' | 'warning' | 'error'): void;
}

/** The request as the app sees it: a fetch Request, or Node's IncomingMessage for node-style apps. */
export type HookRequest = Request | IncomingMessage;

export type MasterHook = (server: ServerView) => unknown;
export type MasterWorkerHook = (server: ServerView, worker: WorkerView) => unknown;
export type WorkerHook = (worker: WorkerView) => unknown;
export type NWorkersChangedHook = (server: ServerView, newValue: number, oldValue: number) => unknown;
export type PreRequestHook = (worker: WorkerView, request: HookRequest) => unknown;
export type PostRequestHook = (worker: WorkerView, request: HookRequest, response: { readonly status: number; readonly raw?: ServerResponse }) => unknown;
