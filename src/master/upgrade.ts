// USR2, as Gunicorn: executes a new master (the same command, possibly a new
// Narwhal or Node after a deploy) that inherits the listening sockets at fds
// 3.. (NARWHAL_FD), so no connection is refused while the two overlap. Master only.

import { spawn, type ChildProcess } from 'node:child_process';
import { upgradeEnv } from '../config/env.js';
import type { BoundListener } from './listeners.js';

export function spawnNewMaster(listeners: readonly BoundListener[], startDir: string): ChildProcess {
  const child = spawn(process.execPath, [...process.execArgv, ...process.argv.slice(1)], {
    cwd: startDir,
    env: upgradeEnv(listeners.map((l) => l.label)),
    stdio: ['inherit', 'inherit', 'inherit', ...listeners.map((l) => l.fd)],
  });
  // The old master may exit (TERM) while the new one keeps serving.
  child.unref();
  return child;
}
