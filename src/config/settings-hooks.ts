// The server hooks' rows of the settings table: Gunicorn's hooks, camelCase,
// set only in a config file. Spread into SETTINGS by settings.ts.

import type { MasterHook, MasterWorkerHook, NWorkersChangedHook, PostRequestHook, PreRequestHook, WorkerHook } from '../hooks/types.js';
import { hook, type ValueType } from './value-types.js';

export interface HookRow<F> {
  readonly name: string;
  readonly section: 'Server hooks';
  readonly cli: readonly string[];
  readonly type: ValueType<F | null>;
  readonly default: null;
  readonly summary: string;
  readonly docs: string;
}

const row = <F extends (...args: never[]) => unknown>(name: string, summary: string, docs: string): HookRow<F> => ({
  name,
  section: 'Server hooks',
  cli: [],
  type: hook<F>(),
  default: null,
  summary,
  docs,
});

export const HOOK_SETTINGS = {
  onStarting: row<MasterHook>('on_starting', 'Called in the master just before it binds and starts workers: `(server)`.', 'Awaited; a throw is logged and the start goes on.'),
  onReload: row<MasterHook>('on_reload', 'Called in the master when a reload (HUP) begins: `(server)`.', 'Runs after the new configuration is read, before new workers start.'),
  whenReady: row<MasterHook>('when_ready', 'Called in the master once the first workers are ready to serve: `(server)`.', 'Gunicorn calls it right after binding; Narwhal waits until the first worker answers, which is when "ready" is true.'),
  preFork: row<MasterWorkerHook>('pre_fork', 'Called in the master just before a worker is spawned: `(server, worker)`.', '`worker.pid` is not known yet.'),
  postFork: row<WorkerHook>('post_fork', 'Called in the new worker before it loads the app: `(worker)`.', 'Node spawns rather than forks, so this runs in the worker process at its start, where Gunicorn runs it after fork(). The worker loads the config file itself to get its hooks.'),
  postWorkerInit: row<WorkerHook>('post_worker_init', 'Called in the worker after the app is loaded, before it accepts: `(worker)`.', 'Awaited: the worker reports ready only after it returns.'),
  workerInt: row<WorkerHook>('worker_int', 'Called in the worker when it gets INT or QUIT: `(worker)`.', 'Then the worker exits at once.'),
  workerAbort: row<WorkerHook>('worker_abort', 'Called in the worker when it gets SIGABRT: `(worker)`.', 'A worker whose event loop is blocked cannot run JavaScript, so this runs only where the loop is free.'),
  preRequest: row<PreRequestHook>('pre_request', 'Called in the worker before each request reaches the app: `(worker, request)`.', 'For fetch-style apps `request` is the Request; for node-style apps, the IncomingMessage. Not awaited.'),
  postRequest: row<PostRequestHook>('post_request', 'Called in the worker after each response is finished: `(worker, request, { status })`.', 'Not awaited; a throw is logged.'),
  preExec: row<MasterHook>('pre_exec', 'Called in the master just before it starts a new master for a live upgrade (USR2): `(server)`.', 'Awaited; the new master inherits the listening sockets. A throw is logged and the upgrade goes on.'),
  childExit: row<MasterWorkerHook>('child_exit', 'Called in the master just after a worker exited: `(server, worker)`.', 'For every exit: retired, crashed or killed.'),
  workerExit: row<WorkerHook>('worker_exit', 'Called in the worker just before it exits after a graceful stop: `(worker)`.', 'Awaited, within the graceful timeout.'),
  nworkersChanged: row<NWorkersChangedHook>('nworkers_changed', 'Called in the master when the worker count changes: `(server, newValue, oldValue)`.', 'By TTIN, TTOU or a reload with another `workers`.'),
  onExit: row<MasterHook>('on_exit', 'Called in the master just before it exits: `(server)`.', 'Awaited.'),
} as const;

/** The hooks that run inside workers: a worker loads the config file only when one of them is set. */
export const WORKER_HOOKS = ['postFork', 'postWorkerInit', 'workerInt', 'workerAbort', 'preRequest', 'postRequest', 'workerExit'] as const;
