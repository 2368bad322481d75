// A draining worker's listener is closed only once the kernel's accept queue
// is empty (or after a bound): when the last fd of a listening socket closes,
// Linux resets every connection it completed that nobody accepted yet, and
// those clients (nginx's retries included) see ECONNRESET for a request they
// sent to a server that was still listening. Used by the HTTP server and by a
// listen() script's drain; the worker's reader returns null while the master still
// holds the socket (a reload or a recycle), when closing resets nothing.

import net from 'node:net';

/** Reads how many connections wait on the fd; null when that cannot be read. */
export type QueueReader = (fd: number) => number | null;

/**
 * Keeps `server` accepting until `queued(fd)` reads 0 or `maxWaitMs` has
 * passed, then closes it with net.Server's close (not http.Server's, which
 * would also drop idle keep-alive connections). Resolves when it is closed.
 */
export function closeOnceAccepted(server: net.Server, fd: number | undefined, queued: QueueReader, maxWaitMs: number): Promise<void> {
  return new Promise<void>((resolve) => {
    const close = (): void => void net.Server.prototype.close.call(server, () => resolve());
    if (fd === undefined || maxWaitMs <= 0) return close();
    const deadline = Date.now() + maxWaitMs;
    // setImmediate, not a timer: each turn lets libuv accept what is ready.
    const check = (): void => {
      const n = queued(fd);
      if (!n || Date.now() >= deadline) close();
      else setImmediate(check);
    };
    check();
  });
}
