// Reads the listen backlog of the master's own listening sockets: on Linux,
// a TCP listener's row in /proc/net/tcp{,6} (found by the socket's inode,
// from /proc/self/fd/N) carries the accept queue's length in rx_queue (its
// tx_queue is 0: the limit is only in netlink's sock_diag, so it is taken as
// min(--backlog, somaxconn)). Unix sockets have no such column. Read by the
// master's autoscaler (its own fds) and by a draining worker (its inherited
// fds: the queue is the socket's, shared by every process holding it).

import { closeSync, openSync, readFileSync, readdirSync, readlinkSync, readSync } from '../node-fs.js';

export interface Backlog {
  readonly label: string;
  /** Connections the kernel has queued that no worker accepted yet; null where it cannot be read. */
  readonly queued: number | null;
  readonly limit: number | null;
}

const LISTEN = '0A';
const CHUNK = 64 * 1024;

function inodeOf(fd: number, pid: number | 'self' = 'self'): string | null {
  try {
    const m = /^socket:\[(\d+)\]$/.exec(readlinkSync(`/proc/${pid}/fd/${fd}`));
    return m ? m[1]! : null;
  } catch {
    return null;
  }
}

/**
 * The LISTEN rows of one /proc/net file whose inode is wanted. The kernel
 * lists listening sockets before the others, so reading stops as soon as
 * every wanted inode is found: a busy server's thousands of connections are not read.
 */
function scan(file: string, wanted: Set<string>, found: Map<string, number>): void {
  let fd: number;
  try {
    fd = openSync(file, 'r');
  } catch {
    return;
  }
  try {
    const buf = Buffer.alloc(CHUNK);
    let rest = '';
    let header = true;
    for (let n = readSync(fd, buf); n > 0 && found.size < wanted.size; n = readSync(fd, buf)) {
      const lines = (rest + buf.toString('latin1', 0, n)).split('\n');
      rest = lines.pop()!;
      for (const line of lines) {
        if (header) {
          header = false;
          continue;
        }
        // sl local rem st tx_queue:rx_queue tr:when retrnsmt uid timeout inode
        const f = line.trim().split(/\s+/);
        if (f[3] !== LISTEN || !wanted.has(f[9]!)) continue;
        found.set(f[9]!, Number.parseInt(f[4]!.split(':')[1]!, 16));
      }
    }
  } finally {
    closeSync(fd);
  }
}

/** The accept queue of each wanted listening socket, by inode, from the IPv4 table and then the IPv6 one. */
function queuedByInode(wanted: Set<string>): Map<string, number> {
  const found = new Map<string, number>();
  if (wanted.size > 0) scan('/proc/net/tcp', wanted, found);
  if (found.size < wanted.size) scan('/proc/net/tcp6', wanted, found);
  return found;
}

/** The kernel caps every listen(2) backlog at net.core.somaxconn. */
function somaxconn(): number {
  try {
    return Number.parseInt(readFileSync('/proc/sys/net/core/somaxconn', 'utf8'), 10) || Infinity;
  } catch {
    return Infinity;
  }
}

/**
 * The accept queue of one listening fd of this process: connections the
 * kernel completed that no process has accepted yet; null where it cannot be
 * read (a unix socket, not Linux).
 */
export function queuedOn(fd: number): number | null {
  const inode = inodeOf(fd);
  return inode === null ? null : (queuedByInode(new Set([inode])).get(inode) ?? null);
}

/** Whether process `pid` holds an fd on the same socket as this process's `fd`; false where that cannot be read. */
export function holdsSocket(pid: number, fd: number): boolean {
  const inode = inodeOf(fd);
  if (inode === null) return false;
  try {
    return readdirSync(`/proc/${pid}/fd`).some((n) => inodeOf(Number(n), pid) === inode);
  } catch {
    return false;
  }
}

/**
 * queuedOn for a worker's drain: null (nothing to wait for) where process
 * `holder` (the master) still holds the socket, since closing ours resets
 * nothing then (a reload, a recycle, a scale-down); the queue where the
 * master has closed it (a stop) and the workers are its last holders.
 */
export function queuedUnlessHeldBy(holder: number): (fd: number) => number | null {
  const held = new Map<number, boolean>();
  return (fd) => {
    let h = held.get(fd);
    if (h === undefined) held.set(fd, (h = holdsSocket(holder, fd)));
    return h ? null : queuedOn(fd);
  };
}

/** One reading per listener, in their order; `backlog` is what the workers passed to listen(2). */
export function readBacklogs(listeners: readonly { readonly fd: number; readonly label: string }[], backlog: number): Backlog[] {
  const inodes = listeners.map((l) => inodeOf(l.fd));
  const found = queuedByInode(new Set(inodes.filter((i): i is string => i !== null)));
  const limit = found.size > 0 ? Math.min(backlog, somaxconn()) : null;
  return listeners.map((l, i) => {
    const queued = inodes[i] ? found.get(inodes[i]!) : undefined;
    return { label: l.label, queued: queued ?? null, limit: queued === undefined ? null : limit };
  });
}
