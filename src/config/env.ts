// The only reader of process.env in Narwhal. Everything else is handed what it
// needs from here, so tests can pass their own environment.

import type { EnvDefaults } from './settings.js';

export interface EnvView extends EnvDefaults {
  readonly NARWHAL_CMD_ARGS?: string | undefined;
  /** Read for the dev server's warning about NODE_ENV=production. */
  readonly NODE_ENV?: string | undefined;
}

export function readEnv(env: NodeJS.ProcessEnv = process.env): EnvView {
  return {
    NARWHAL_CMD_ARGS: env['NARWHAL_CMD_ARGS'],
    PORT: env['PORT'] || undefined,
    WEB_CONCURRENCY: env['WEB_CONCURRENCY'] || undefined,
    FORWARDED_ALLOW_IPS: env['FORWARDED_ALLOW_IPS'] || undefined,
    NODE_ENV: env['NODE_ENV'] || undefined,
  };
}

/**
 * Bench-only: NARWHAL_BENCH_UNCHECKED_HEADS=1 skips Gunicorn's checks on the
 * heads node:http's parser read (--http-parser native), so `npm run bench` can
 * show what they cost. Not a setting on purpose: no deployment should run without them.
 */
export function benchUncheckedHeads(env: NodeJS.ProcessEnv = process.env): boolean {
  return env['NARWHAL_BENCH_UNCHECKED_HEADS'] === '1';
}

/** Variables that hand listening sockets to a new master; never passed further. */
const SOCKET_VARS = ['NARWHAL_FD', 'NARWHAL_FD_LABELS', 'LISTEN_FDS', 'LISTEN_PID', 'LISTEN_FDNAMES'];

function withoutSocketVars(env: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  const out = { ...env };
  for (const name of SOCKET_VARS) delete out[name];
  return out;
}

/** A worker's environment also loses the service manager's variables and --daemon's marker. */
function withoutMasterVars(env: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  const out = withoutSocketVars(env);
  for (const name of [...NOTIFY_VARS, DAEMON_VAR]) delete out[name];
  return out;
}

/** The environment a worker starts with: the master's, plus `-e` values. */
export function workerEnv(extra: Readonly<Record<string, string>>): NodeJS.ProcessEnv {
  return { ...withoutMasterVars(process.env), ...extra };
}

/** Listening sockets this master inherited instead of binding: from an old master (USR2) or systemd. */
export interface InheritedSockets {
  readonly from: 'upgrade' | 'systemd';
  readonly fds: readonly number[];
  readonly labels: readonly string[];
}

/** Reads NARWHAL_FD (a USR2 upgrade) or LISTEN_FDS/LISTEN_PID (systemd socket activation). */
export function readInheritedSockets(env: NodeJS.ProcessEnv = process.env, pid: number = process.pid): InheritedSockets | null {
  const narwhal = env['NARWHAL_FD'];
  if (narwhal) {
    const fds = narwhal.split(',').map(Number).filter((n) => Number.isInteger(n) && n >= 0);
    let labels: string[] = [];
    try {
      labels = JSON.parse(env['NARWHAL_FD_LABELS'] ?? '[]') as string[];
    } catch {
      // Labels are only for logs.
    }
    return { from: 'upgrade', fds, labels: fds.map((fd, i) => labels[i] ?? `fd://${fd}`) };
  }
  const count = Number(env['LISTEN_FDS'] ?? '0');
  if (count > 0 && Number(env['LISTEN_PID']) === pid) {
    const fds = Array.from({ length: count }, (_, i) => 3 + i);
    const names = (env['LISTEN_FDNAMES'] ?? '').split(':');
    return { from: 'systemd', fds, labels: fds.map((fd, i) => (names[i] ? `fd://${fd} (${names[i]})` : `fd://${fd}`)) };
  }
  return null;
}

/** The environment of a new master started by USR2: the sockets it inherits, at fds 3.. */
export function upgradeEnv(labels: readonly string[]): NodeJS.ProcessEnv {
  return {
    ...withoutSocketVars(process.env),
    NARWHAL_FD: labels.map((_, i) => String(3 + i)).join(','),
    NARWHAL_FD_LABELS: JSON.stringify(labels),
  };
}

/** What systemd tells a Type=notify service: where to send notifications, and its watchdog. */
export interface SystemdNotifyEnv {
  readonly socket: string;
  /** Microseconds between the pings systemd expects, when its watchdog is on for this process. */
  readonly watchdogUsec: number | null;
}

export function readSystemdNotify(env: NodeJS.ProcessEnv = process.env, pid: number = process.pid): SystemdNotifyEnv | null {
  const socket = env['NOTIFY_SOCKET'];
  if (!socket) return null;
  const usec = Number(env['WATCHDOG_USEC'] ?? '0');
  const forPid = env['WATCHDOG_PID'] ? Number(env['WATCHDOG_PID']) : pid;
  return { socket, watchdogUsec: usec > 0 && forPid === pid ? usec : null };
}

/** Variables of the service manager that belong to the master alone. */
const NOTIFY_VARS = ['NOTIFY_SOCKET', 'WATCHDOG_USEC', 'WATCHDOG_PID'];

/** Set in the detached process of --daemon, so it does not detach again. */
const DAEMON_VAR = 'NARWHAL_DAEMONIZED';

export function isDaemonChild(env: NodeJS.ProcessEnv = process.env): boolean {
  return env[DAEMON_VAR] === '1';
}

export function daemonEnv(): NodeJS.ProcessEnv {
  return { ...process.env, [DAEMON_VAR]: '1' };
}

/** Applies `-e` values to this process (the master, for --preload and --check-config). */
export function applyEnv(extra: Readonly<Record<string, string>>): void {
  Object.assign(process.env, extra);
}

/** A variable for the access log's `{name}e` atom. */
export function envVar(name: string): string | undefined {
  return process.env[name];
}

/** A copy of this process's environment, for the dev error page (which masks secrets itself). */
export function environmentSnapshot(): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(process.env)) if (v !== undefined) out[k] = v;
  return out;
}
