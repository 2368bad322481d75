// Tracks the connections of a worker's node:http servers so the drain can
// close idle keep-alive connections without racing a client's next request.
// Created by HttpServer (http/server.ts); runs in workers.

import type { Socket } from 'node:net';

/** One open connection's count of requests in flight. */
export interface ConnectionRecord {
  inFlight: number;
}

export class ConnectionTracker {
  /** Every open connection, with the number of requests it has in flight (a record, so a request costs one lookup). */
  readonly #sockets = new Map<Socket, ConnectionRecord>();
  #lingerMs: number | null = null;

  /** A new connection (the TLS socket on TLS listeners: the one node:http reads). */
  add(socket: Socket): void {
    this.#sockets.set(socket, { inFlight: 0 });
    // A closure over this socket, not one listener shared through `this`: with the shared one a
    // rolling restart behind nginx lost a POST (nginx.test.ts, about 1 run in 4 on Node 24).
    socket.once('close', () => this.#sockets.delete(socket));
    if (this.#lingerMs !== null) this.#linger(socket, this.#lingerMs);
  }

  /** An upgraded connection is the app's: the drain's idle close must not cut it. */
  forget(socket: Socket): void {
    this.#sockets.delete(socket);
  }

  /** Counts a request on `socket`; the record it returns is handed back to requestFinished (one lookup per request). */
  requestStarted(socket: Socket): ConnectionRecord | undefined {
    const conn = this.#sockets.get(socket);
    if (conn === undefined) return undefined;
    conn.inFlight++;
    // A request came in on a lingering idle connection: its answer carries
    // `Connection: close`, so no idle timer may cut it short.
    if (this.#lingerMs !== null) socket.setTimeout(0);
    return conn;
  }

  recordOf(socket: Socket): ConnectionRecord | undefined {
    return this.#sockets.get(socket);
  }

  requestFinished(conn: ConnectionRecord | undefined): void {
    if (conn !== undefined && conn.inFlight > 0) conn.inFlight--;
  }

  /**
   * From now on an idle connection stays open for `lingerMs` more, still
   * reading: a request arriving in that window is served (and answered with
   * `Connection: close` by the server). Then it is closed. Closing at once
   * would race a client that is sending its next request on it right now.
   */
  lingerIdle(lingerMs: number): void {
    this.#lingerMs = lingerMs;
    for (const [socket, conn] of this.#sockets) if (conn.inFlight === 0) this.#linger(socket, lingerMs);
  }

  #linger(socket: Socket, ms: number): void {
    if (ms <= 0) {
      socket.destroySoon();
      return;
    }
    // node:http destroys a socket whose timeout fires while no request is in
    // progress, which is exactly the idle close we want.
    socket.setTimeout(ms);
  }

  get size(): number {
    return this.#sockets.size;
  }
}
