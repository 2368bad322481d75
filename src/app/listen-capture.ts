// Captures the servers a listen() script creates while a worker loads it, and
// makes the first one accept on Narwhal's inherited sockets instead of the port
// it asked for. Created by worker/listen-app.ts before the import; worker only.

import net from 'node:net';
import { NarwhalError } from '../errors.js';
import { normalizeListenArgs, type ListenRequest } from '../http/node-internals.js';
import { listenOnFd, patchServerListen } from './listen-patches.js';

export interface InheritedListener {
  readonly fd: number;
  readonly label: string;
}

export interface CapturedServer {
  /** The app's own server (http.Server, https.Server, Express's, Koa's, ...). */
  readonly server: net.Server;
  /** What it asked for: `port 3000 on 0.0.0.0`, `unix:/tmp/x.sock`. */
  readonly asked: string;
  /** Relays for Narwhal's further sockets, which hand their connections to `server`. */
  readonly relays: readonly net.Server[];
  /** The inherited fd of `server`, then of each relay. */
  readonly fds: readonly number[];
}

/** As net reads the options: SvelteKit passes `path: false` when it wants a port. */
function describeAsk(opts: ListenRequest): string {
  if (typeof opts.path === 'string' && opts.path !== '') return `unix:${opts.path}`;
  if (typeof opts.fd === 'number') return `fd ${opts.fd}`;
  if (opts.port !== undefined && opts.port !== null && opts.port !== '') return `port ${opts.port}${opts.host ? ` on ${opts.host}` : ''}`;
  return 'a random port';
}

export class ListenCapture {
  readonly #listeners: readonly InheritedListener[];
  readonly #backlog: number;
  #restore: (() => void) | null = null;
  #captured: CapturedServer | null = null;
  #listening = false;
  #failure: NarwhalError | null = null;
  readonly #waiters = new Set<() => void>();

  constructor(listeners: readonly InheritedListener[], backlog: number) {
    this.#listeners = listeners;
    this.#backlog = backlog;
  }

  /** From now on every listen() in this process is the script's. */
  install(): void {
    this.#restore ??= patchServerListen((server, args) => this.#onListen(server, args));
  }

  restore(): void {
    this.#restore?.();
    this.#restore = null;
  }

  /** Whether the script has called listen() at all. */
  get called(): boolean {
    return this.#captured !== null || this.#failure !== null;
  }

  /** A failure the script caused (a second server), whenever it happened. */
  get failure(): NarwhalError | null {
    return this.#failure;
  }

  /** The server once it accepts on Narwhal's socket; rejects on a failure or after `timeoutMs` (0: never). */
  listening(timeoutMs: number, whatElse: string): Promise<CapturedServer> {
    return new Promise((resolve, reject) => {
      const timer = timeoutMs > 0 ? setTimeout(() => settle(), timeoutMs) : null;
      const settle = () => {
        if (timer) clearTimeout(timer);
        this.#waiters.delete(settle);
        if (this.#failure) return reject(this.#failure);
        // A second server started right after the first is still this boot's failure.
        const captured = this.#captured;
        if (captured && this.#listening) return void setImmediate(() => (this.#failure ? reject(this.#failure) : resolve(captured)));
        reject(new NarwhalError('APP_LOAD', `${whatElse}, and it called listen() on no server within --boot-timeout ${timeoutMs / 1000} s: export an app, or start its server when the module loads (or raise --boot-timeout)`));
      };
      this.#waiters.add(settle);
      if (this.#failure || this.#listening) settle();
    });
  }

  #wake(): void {
    for (const w of [...this.#waiters]) w();
  }

  #onListen(server: net.Server, args: unknown[]): net.Server {
    const [opts, callback] = normalizeListenArgs(args);
    const asked = describeAsk(opts);
    if (this.#captured && this.#captured.server !== server) {
      this.#failure ??= new NarwhalError(
        'APP_LOAD',
        `the app listens on a second server (${asked}, after ${this.#captured.asked}): Narwhal serves one server per worker on its --bind sockets; serve everything from one server, or run the other one as its own process`,
      );
      this.#wake();
      return server;
    }
    const [first, ...rest] = this.#listeners;
    if (!first) throw new Error('a worker without listening sockets');
    server.once('listening', () => {
      this.#listening = true;
      this.#wake();
    });
    listenOnFd(server, first.fd, this.#backlog, callback);
    const relays = rest.map((l) => {
      const relay = net.createServer({ pauseOnConnect: false }, (socket) => server.emit('connection', socket));
      listenOnFd(relay, l.fd, this.#backlog, null);
      return relay;
    });
    this.#captured = { server, asked, relays, fds: this.#listeners.map((l) => l.fd) };
    return server;
  }
}

/**
 * For --check-config in the CLI process: notes what a script's first listen() asks for and binds
 * nothing, so checking a listen() script neither serves nor takes its port.
 */
export function recordListenCalls(): { readonly asked: Promise<string>; restore(): void } {
  let heard: (asked: string) => void = () => {};
  const asked = new Promise<string>((resolve) => (heard = resolve));
  const restore = patchServerListen((server, args) => {
    heard(describeAsk(normalizeListenArgs(args)[0]));
    return server;
  });
  return { asked, restore };
}
