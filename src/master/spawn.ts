// Starts one worker process: creates its heartbeat file, hands it the
// listening sockets as inherited fds, and sends the boot message. Master only.

import { spawn, type ChildProcess } from 'node:child_process';
import { closeSync, openSync, unlinkSync } from '../node-fs.js';
import type { Socket } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { workerEnv } from '../config/env.js';
import type { Config } from '../config/settings.js';
import { sendableConfig, workerHookNames } from '../hooks/worker-hooks.js';
import { Channel } from '../ipc/channel.js';
import type { MasterMessage, WorkerMessage } from '../ipc/messages.js';
import type { BoundListener } from './listeners.js';
import { WatchdogClient } from './watchdog-client.js';
import type { Identity } from './identity.js';
import { WorkerHandle } from './worker-handle.js';

const WORKER_MAIN = fileURLToPath(new URL('../worker/main.js', import.meta.url));
/** stdin, stdout, stderr, ipc; then the heartbeat file, then the listeners. */
const FIRST_EXTRA_FD = 4;

/**
 * An unlinked file the worker touches and the master stats, as Gunicorn's WorkerTmp.
 * The name needs no secrecy (O_EXCL refuses an existing file or a symlink, and it is
 * unlinked at once), only to be new: a taken name is retried, and node:crypto stays out of the master.
 */
function heartbeatFile(dir: string | null): number {
  for (let attempt = 0; ; attempt++) {
    const file = path.join(dir ?? tmpdir(), `wnarwhal-${process.pid}-${Date.now().toString(36)}${Math.random().toString(36).slice(2, 10)}`);
    try {
      const fd = openSync(file, 'wx+', 0o600);
      unlinkSync(file);
      return fd;
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST' || attempt >= 9) throw e;
    }
  }
}

/** Calls `onLine` with each whole line of `input` (a trailing partial line at its end); node:readline is more than this needs. */
function eachLine(input: NodeJS.ReadableStream, onLine: (line: string) => void): void {
  let rest = '';
  input.setEncoding('utf8');
  input.on('data', (chunk: string) => {
    const lines = (rest + chunk).split(/\r?\n/);
    rest = lines.pop()!;
    for (const line of lines) onLine(line);
  });
  input.on('end', () => {
    if (rest) onLine(rest);
    rest = '';
  });
}

export interface SpawnOptions {
  readonly id: number;
  readonly generation: number;
  readonly config: Config;
  readonly configFile: string | null;
  readonly cwd: string;
  readonly listeners: readonly BoundListener[];
  /** Pipe the worker's stdout/stderr to the master (for --capture-output). */
  readonly captureOutput: boolean;
  /** --user/--group, resolved. */
  readonly identity?: Identity;
}

/** A worker process started but not yet told what to do (no boot message sent). */
export interface StartedProcess {
  readonly child: ChildProcess;
  readonly heartbeatFd: number;
}

/** Starts a worker process with its fds; `extraArgs` reach the worker's argv (the dev standby flag). */
export function startWorkerProcess(opts: SpawnOptions, extraArgs: readonly string[] = []): StartedProcess {
  const heartbeatFd = heartbeatFile(opts.config.workerTmpDir);
  const out = opts.captureOutput ? 'pipe' : 'inherit';
  try {
    const child = spawn(process.execPath, [...process.execArgv, WORKER_MAIN, opts.config.app ?? '', ...extraArgs], {
      cwd: opts.cwd,
      env: workerEnv(opts.config.rawEnv),
      // The last one is the watchdog's pipe (a socket pair, both ways).
      stdio: ['ignore', out, out, 'ipc', heartbeatFd, ...opts.listeners.map((l) => l.fd), 'pipe'],
      serialization: 'advanced',
      ...opts.identity,
    });
    return { child, heartbeatFd };
  } catch (e) {
    closeSync(heartbeatFd);
    throw e;
  }
}

/** Sends a started process its boot message and returns the master's record of it. */
export function bootWorker(started: StartedProcess, opts: SpawnOptions): WorkerHandle {
  const { child, heartbeatFd } = started;
  const channel = new Channel<MasterMessage, WorkerMessage>(child);
  const watchdogFd = FIRST_EXTRA_FD + 1 + opts.listeners.length;
  const watchdog = new WatchdogClient(child.stdio[watchdogFd] as Socket);
  const handle = new WorkerHandle({ id: opts.id, generation: opts.generation, child, channel, heartbeatFd, watchdog });
  channel.send({
    type: 'boot',
    boot: {
      workerId: opts.id,
      generation: opts.generation,
      config: sendableConfig(opts.config),
      configFile: opts.configFile,
      workerHooks: workerHookNames(opts.config),
      heartbeatFd: FIRST_EXTRA_FD,
      listeners: opts.listeners.map((l, i) => ({ fd: FIRST_EXTRA_FD + 1 + i, label: l.label })),
      watchdogFd,
    },
  });
  return handle;
}

/** --capture-output: the worker's piped stdout and stderr go to `write` (the error log) a whole line at a time. */
export function captureOutput(child: ChildProcess, write: (text: string) => void): void {
  for (const input of [child.stdout, child.stderr]) if (input) eachLine(input, (line) => write(`${line}\n`));
}

export function spawnWorker(opts: SpawnOptions): WorkerHandle {
  return bootWorker(startWorkerProcess(opts), opts);
}
