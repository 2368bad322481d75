// Calls the server hooks that run in the master, each with a view of the master
// taken at the moment of the call (a reload swaps the config, so the hook and
// the view must be read then, not when the arbiter starts). Created by the
// arbiter; master only. Worker-side hooks are worker/worker.ts's.

import type { Config } from '../config/settings.js';
import { callHook } from '../hooks/call.js';
import type { ServerView, WorkerView } from '../hooks/types.js';
import type { Logger } from '../log/logger.js';

/** The master's state a hook may see, read afresh for every call. */
export interface MasterState {
  readonly config: Config;
  readonly target: number;
  readonly workers: Iterable<WorkerView>;
}

/** The hooks called with the server view alone. */
export type MasterHookName = 'onStarting' | 'onReload' | 'whenReady' | 'preExec' | 'onExit';

/** What hooks see of the master: a copy, so a hook cannot change the master's records. */
export function serverView(state: MasterState, logger: Pick<Logger, 'log'>): ServerView {
  return {
    pid: process.pid,
    config: state.config,
    workerCount: state.target,
    workers: [...state.workers].map((w) => ({ id: w.id, pid: w.pid, generation: w.generation })),
    log: (message, level = 'info') => logger.log(level, message),
  };
}

export class MasterHooks {
  readonly #logger: Logger;
  readonly #state: () => MasterState;

  constructor(logger: Logger, state: () => MasterState) {
    this.#logger = logger;
    this.#state = state;
  }

  /** Awaited by the arbiter where Gunicorn waits for the hook (start, USR2, reload, exit). */
  call(name: MasterHookName): Promise<void> {
    const state = this.#state();
    return callHook(this.#logger, name, state.config[name], serverView(state, this.#logger));
  }

  /** Before a worker is spawned: it has an id and a generation but no pid yet. */
  preFork(id: number, generation: number): void {
    const state = this.#state();
    void callHook(this.#logger, 'preFork', state.config.preFork, serverView(state, this.#logger), { id, pid: undefined, generation });
  }

  /** After a worker exited, for every exit: retired, crashed or killed. */
  childExit(worker: WorkerView): void {
    const state = this.#state();
    const { id, pid, generation } = worker;
    void callHook(this.#logger, 'childExit', state.config.childExit, serverView(state, this.#logger), { id, pid, generation });
  }

  /** Only for a real change: a reload keeping the same `workers` is no change. */
  nworkersChanged(n: number, old: number): void {
    if (n === old) return;
    const state = this.#state();
    void callHook(this.#logger, 'nworkersChanged', state.config.nworkersChanged, serverView(state, this.#logger), n, old);
  }
}
