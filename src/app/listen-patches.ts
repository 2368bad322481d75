// The patches of Node's public APIs Narwhal relies on to run a script that
// calls listen() itself (net.Server.prototype.listen, a server's emit, process
// listeners, process.title); the one Node private it needs, net's listen()
// argument parser, is in http/node-internals.ts. Used by app/ and worker/ in workers.

import type * as Http from 'node:http';
import http from '../http/node-http.js';
import net from 'node:net';

type ListenArgs = unknown[];

/** The real listen, for Narwhal's own calls while the patch is on. */
const ORIGINAL_LISTEN = net.Server.prototype.listen;

export function listenOnFd(server: net.Server, fd: number, backlog: number, callback: ((...a: unknown[]) => void) | null): void {
  ORIGINAL_LISTEN.call(server, { fd, backlog }, callback ?? undefined);
}

/**
 * Every net.Server (http, https, Express's, Koa's, Fastify's) listens through
 * this prototype method, so replacing it redirects the script's servers to the
 * inherited socket the way cluster redirects a worker's. Returns the undo.
 */
export function patchServerListen(replacement: (server: net.Server, args: ListenArgs) => net.Server): () => void {
  net.Server.prototype.listen = function listen(this: net.Server, ...args: ListenArgs): net.Server {
    return replacement(this, args);
  } as typeof net.Server.prototype.listen;
  return () => {
    net.Server.prototype.listen = ORIGINAL_LISTEN;
  };
}

export function closeIdleConnections(server: net.Server): void {
  (server as Partial<Http.Server>).closeIdleConnections?.call(server);
}

/** Whether the server speaks HTTP/1 through node:http's machinery (http.Server, https.Server). */
export function isHttpServer(server: net.Server): boolean {
  return typeof (server as Partial<Http.Server>).closeIdleConnections === 'function';
}

/**
 * Runs `first` before the server's 'request' listeners, whenever they were
 * added: wrapping emit for that one event is the only way to answer a request
 * (health path, static files) before the app sees it. `first` returns true
 * when it answered.
 */
export function interceptRequests(server: net.Server, first: (req: Http.IncomingMessage, res: Http.ServerResponse, emit: (req: Http.IncomingMessage, res: Http.ServerResponse) => void) => void): void {
  const emit = server.emit as (this: net.Server, event: string | symbol, ...args: unknown[]) => boolean;
  const forward = (req: Http.IncomingMessage, res: Http.ServerResponse) => void emit.call(server, 'request', req, res);
  server.emit = function (this: net.Server, event: string | symbol, ...args: unknown[]): boolean {
    if (event !== 'request') return emit.call(this, event, ...args);
    first(args[0] as Http.IncomingMessage, args[1] as Http.ServerResponse, forward);
    return true;
  } as typeof server.emit;
}

const PROCESS_EVENTS_ADD = ['on', 'addListener', 'once', 'prependListener', 'prependOnceListener'] as const;

/**
 * Keeps the script's own listeners for `signal` (Next's and Nuxt's servers exit
 * on SIGTERM) off the process: the worker's drain must run first. Returns the
 * held listeners, to be called once the drain is done.
 */
export function holdSignalListeners(signal: NodeJS.Signals): () => ((sig: NodeJS.Signals) => void)[] {
  const held: ((sig: NodeJS.Signals) => void)[] = [];
  for (const method of PROCESS_EVENTS_ADD) {
    const original = process[method].bind(process) as (e: string | symbol, l: (...a: unknown[]) => void) => NodeJS.Process;
    (process as unknown as Record<string, unknown>)[method] = (event: string | symbol, listener: (...a: unknown[]) => void) => {
      if (event !== signal) return original(event, listener);
      held.push(listener as (sig: NodeJS.Signals) => void);
      return process;
    };
  }
  const remove = process.removeListener.bind(process) as (e: string | symbol, l: (...a: unknown[]) => void) => NodeJS.Process;
  const off = (event: string | symbol, listener: (...a: unknown[]) => void) => {
    const i = event === signal ? held.indexOf(listener as (sig: NodeJS.Signals) => void) : -1;
    if (i >= 0) held.splice(i, 1);
    return remove(event, listener);
  };
  process.removeListener = off as typeof process.removeListener;
  process.off = off as typeof process.off;
  return () => [...held];
}

/**
 * Keeps the process title Narwhal set (`ps` tells master and workers apart)
 * when the script renames the process, as Next.js does: process.title is a
 * configurable property, so an accessor that ignores writes keeps it.
 */
export function lockProcessTitle(onRename: (title: string) => void): void {
  const title = process.title;
  Object.defineProperty(process, 'title', {
    configurable: true,
    enumerable: true,
    get: () => title,
    set: (value: unknown) => onRename(String(value)),
  });
}
