// Binds the listening sockets in the master, before any worker starts. The
// master binds but never accepts: each worker calls listen(2) on the inherited
// socket and accepts on it directly, as Gunicorn's workers do.

import { chmodSync, lstatSync, unlinkSync } from '../node-fs.js';
import net from 'node:net';
import { createRequire } from 'node:module';
import { parseAddress, showAddress, type Address } from '../config/address.js';
import { NarwhalError } from '../errors.js';

// node:util through require: on Node 24 an ESM import reads every export, and
// its lazy ones load about 30 built-ins the master has no use for (worker_threads,
// parseArgs, util.diff's; 2.4 MB).
const { getSystemErrorName } = createRequire(import.meta.url)('node:util') as typeof import('node:util');

/** The subset of libuv's TCP/Pipe handle the master uses. */
interface RawHandle {
  readonly fd: number;
  getsockname?(out: { port?: number; address?: string }): number;
  close(): void;
}

type CreateServerHandle = (address: string | null, port: number, addressType: number, fd?: number) => RawHandle | number;

/**
 * Node's own binder for shared sockets, as its cluster module uses for
 * SCHED_NONE: it binds without listening, so the master never accepts.
 */
const createServerHandle = (net as unknown as { _createServerHandle: CreateServerHandle })._createServerHandle;

export interface BoundListener {
  readonly address: Address;
  /** The fd the master holds; passed to every worker. */
  readonly fd: number;
  /** For logs: `http://127.0.0.1:8000` (with the real port when 0 was asked). */
  readonly label: string;
  /** Closes the master's fd; a unix socket's file is removed unless `keepPath` (a new master still uses it). */
  close(options?: { keepPath?: boolean }): void;
}

const HINTS: Record<string, string> = {
  EADDRINUSE: 'another process is listening there; stop it or choose another --bind',
  EACCES: 'permission denied; ports below 1024 need root (or CAP_NET_BIND_SERVICE)',
  EADDRNOTAVAIL: 'this machine has no such address; use 0.0.0.0 or one of its own addresses',
  ENOENT: 'the directory does not exist',
};

function bindError(spec: string, code: number | string): NarwhalError {
  const name = typeof code === 'number' ? getSystemErrorName(code) : code;
  return new NarwhalError('BIND', `cannot bind ${spec}: ${HINTS[name] ?? 'the system refused'} (${name})`);
}

function removeStaleSocket(path: string, spec: string): void {
  try {
    const st = lstatSync(path);
    if (!st.isSocket()) throw new NarwhalError('BIND', `cannot bind ${spec}: ${path} exists and is not a socket`);
    unlinkSync(path);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw e;
  }
}

/**
 * Whether something already accepts connections there. Linux lets a socket
 * with SO_REUSEADDR bind (and, handed to another process, even listen) on a
 * port another server listens on, so the master asks with a connect instead.
 */
function acceptsConnections(host: string, port: number, family: 4 | 6): Promise<boolean> {
  const target = host === '0.0.0.0' ? '127.0.0.1' : host === '::' ? '::1' : host;
  return new Promise((resolve) => {
    const socket = net.connect({ host: target, port, family });
    const done = (inUse: boolean) => {
      socket.destroy();
      resolve(inUse);
    };
    socket.setTimeout(1000, () => done(false));
    socket.once('connect', () => done(true));
    socket.once('error', () => done(false));
  });
}

async function bindOne(spec: string, umask: number): Promise<BoundListener> {
  const address = parseAddress(spec);
  if (address.kind === 'tcp' && address.port !== 0 && (await acceptsConnections(address.host, address.port, address.family))) {
    throw bindError(spec, 'EADDRINUSE');
  }
  if (address.kind === 'fd') {
    return { address, fd: address.fd, label: showAddress(address), close: () => {} };
  }
  let handle: RawHandle | number;
  if (address.kind === 'unix') {
    removeStaleSocket(address.path, spec);
    handle = createServerHandle(address.path, -1, -1);
    if (typeof handle === 'number') throw bindError(spec, handle);
    chmodSync(address.path, 0o777 & ~umask);
  } else {
    handle = createServerHandle(address.host, address.port, address.family);
    if (typeof handle === 'number') throw bindError(spec, handle);
  }
  const h = handle;
  let port: number | undefined;
  if (address.kind === 'tcp' && h.getsockname) {
    const out: { port?: number } = {};
    h.getsockname(out);
    port = out.port;
  }
  return {
    address,
    fd: h.fd,
    label: showAddress(address, port),
    close: (options) => {
      h.close();
      if (address.kind === 'unix' && !options?.keepPath) {
        try {
          unlinkSync(address.path);
        } catch {
          // Already gone.
        }
      }
    },
  };
}

/** Listening sockets inherited as open fds (from an old master or systemd) instead of bound. */
export function adoptAll(fds: readonly number[], labels: readonly string[]): BoundListener[] {
  return fds.map((fd, i) => ({ address: { kind: 'fd', fd }, fd, label: labels[i] ?? `fd://${fd}`, close: () => {} }));
}

/** Binds every address, or none: a failure closes what was already bound. */
export async function bindAll(specs: readonly string[], umask: number): Promise<BoundListener[]> {
  const bound: BoundListener[] = [];
  try {
    for (const spec of specs) bound.push(await bindOne(spec, umask));
  } catch (e) {
    for (const b of bound) b.close();
    throw e;
  }
  return bound;
}
