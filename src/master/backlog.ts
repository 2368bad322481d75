// Reads the listen backlog of the master's own listening sockets: on Linux,
// a TCP listener's row in /proc/net/tcp{,6} (found by the socket's inode,
// from /proc/self/fd/N) carries the accept queue's length in rx_queue and its
// limit in tx_queue. Unix sockets have no such column. Created by the autoscaler; master only.

import { closeSync, openSync, readlinkSync, readSync } from 'node:fs';

export interface Backlog {
  readonly label: string;
  /** Connections the kernel has queued that no worker accepted yet; null where it cannot be read. */
  readonly queued: number | null;
  readonly limit: number | null;
}

const LISTEN = '0A';
const CHUNK = 64 * 1024;

function inodeOf(fd: number): string | null {
  try {
    const m = /^socket:\[(\d+)\]$/.exec(readlinkSync(`/proc/self/fd/${fd}`));
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
function scan(file: string, wanted: Set<string>, found: Map<string, { queued: number; limit: number }>): void {
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
        const [tx, rx] = f[4]!.split(':');
        found.set(f[9]!, { queued: Number.parseInt(rx!, 16), limit: Number.parseInt(tx!, 16) });
      }
    }
  } finally {
    closeSync(fd);
  }
}

/** One reading per listener, in their order. */
export function readBacklogs(listeners: readonly { readonly fd: number; readonly label: string }[]): Backlog[] {
  const inodes = listeners.map((l) => inodeOf(l.fd));
  const wanted = new Set(inodes.filter((i): i is string => i !== null));
  const found = new Map<string, { queued: number; limit: number }>();
  if (wanted.size > 0) scan('/proc/net/tcp', wanted, found);
  if (found.size < wanted.size) scan('/proc/net/tcp6', wanted, found);
  return listeners.map((l, i) => {
    const row = inodes[i] ? found.get(inodes[i]!) : undefined;
    return { label: l.label, queued: row?.queued ?? null, limit: row?.limit ?? null };
  });
}
