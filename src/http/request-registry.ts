// The requests a worker has in flight, and which one the code running right
// now belongs to, so a stuck worker can be reported with the request it was
// serving. Created by HttpServer; runs in workers.

import { AsyncLocalStorage } from 'node:async_hooks';
import type { Socket } from 'node:net';
import type { ConnectionRecord } from './connections.js';

export interface RequestInfo {
  readonly method: string;
  readonly path: string;
  /** Epoch milliseconds. */
  readonly startedAt: number;
}

/**
 * Node 24 carries AsyncLocalStorage in the async context frame, almost for free.
 * Before it, AsyncLocalStorage turns on promise hooks for every promise in the
 * process (a measurable cost per request), so there the registry only knows
 * the request whose handler is running synchronously, which is where a loop
 * that never yields usually sits; the in-flight list covers the rest.
 */
const CHEAP_CONTEXT = Number(process.versions.node.split('.')[0]) >= 24;

export class RequestRegistry<K extends object> {
  /** Keyed by the request's response: the server's own in-flight list, so one map serves both. */
  readonly #inFlight = new Map<K, RequestInfo>();
  readonly #context = CHEAP_CONTEXT ? new AsyncLocalStorage<RequestInfo>() : null;
  #running: RequestInfo | null = null;

  add(key: K, info: RequestInfo): void {
    this.#inFlight.set(key, info);
  }

  /** Runs the request's handler as `info`'s code; the arguments are passed on, so no closure per request. */
  run<A, B>(info: RequestInfo, fn: (a: A, b: B) => void, a: A, b: B): void {
    if (this.#context) {
      this.#context.run(info, fn, a, b);
      return;
    }
    this.#running = info;
    try {
      fn(a, b);
    } finally {
      this.#running = null;
    }
  }

  get(key: K): RequestInfo | undefined {
    return this.#inFlight.get(key);
  }

  remove(key: K): void {
    this.#inFlight.delete(key);
  }

  get size(): number {
    return this.#inFlight.size;
  }

  keys(): IterableIterator<K> {
    return this.#inFlight.keys();
  }

  describe(): { current: RequestInfo | null; inFlight: RequestInfo[] } {
    return { current: this.#context?.getStore() ?? this.#running, inFlight: [...this.#inFlight.values()] };
  }
}

/**
 * A request in flight on node:http: its RequestInfo (only the public fields are in
 * stuck-worker reports) and what its close needs, in one object per request.
 */
export class TrackedRequest implements RequestInfo {
  readonly method: string;
  readonly path: string;
  readonly startedAt: number;
  readonly #socket: Socket;
  readonly #connection: ConnectionRecord | undefined;
  /** With an access log: when it started (hrtime) and the bytes the socket had written before it; else 0n. */
  readonly #start: bigint;
  readonly #bytesBefore: number;

  constructor(method: string, path: string, socket: Socket, connection: ConnectionRecord | undefined, logged: boolean) {
    this.method = method;
    this.path = path;
    this.startedAt = Date.now();
    this.#socket = socket;
    this.#connection = connection;
    this.#start = logged ? process.hrtime.bigint() : 0n;
    this.#bytesBefore = logged ? socket.bytesWritten : 0;
  }

  get socket(): Socket {
    return this.#socket;
  }

  get connection(): ConnectionRecord | undefined {
    return this.#connection;
  }

  get start(): bigint {
    return this.#start;
  }

  get bytesBefore(): number {
    return this.#bytesBefore;
  }
}
