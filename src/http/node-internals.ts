// The Node internals the HTTP layer reaches for, each with the probe that
// decides whether it is usable and what happens when it is not. Used by the
// native HTTP/1.1 listener and the connection limit, in workers. The others,
// still beside their users:
//   handle-io.ts: process.binding('stream_wrap'), socket._handle.onread and
//     _unrefTimer (probe: loadStreamWrap/usableHandle; fallback: socket I/O);
//   connection-gate.ts: node:http's one 'data' listener, socket._httpMessage,
//     _paused, parser (probe: attach() returns null; fallback: no gate, warned);
//   head-fixups.ts: IncomingMessage._addHeaderLines (only on rewritten heads);
//   fetch-request.ts / fetch-response.ts: Node 20's Request/Response `state`
//     symbols (probe at load; fallback: the public API);
//   access-record.ts: ServerResponse._header (fallback: '').

import net, { type Socket } from 'node:net';

/** node:http's per-connection state on a socket (lib/_http_server.js). */
interface HttpParserLike {
  unconsume(): void;
  remove?(): void;
  free(): void;
  finish?(): unknown;
}

type HttpSocket = Socket & { parser?: HttpParserLike | null; _httpMessage?: unknown; _handle?: { _consumed?: boolean } | null };

/** The listeners node:http adds to a connection, by their function names on Node 20 and 24. */
const NODE_LISTENER = /^(?:bound )?(?:socketOn(?:Close|Error|Drain|Data|End|Timeout)|onSocket(?:Resume|Pause))$/;
const EVENTS = ['close', 'error', 'drain', 'data', 'end', 'timeout', 'resume', 'pause'] as const;

/**
 * Takes a connection back from node:http after its parser refused a request,
 * so another server (the strict one) can read it afresh: node:http's
 * listeners and parser are removed. Returns false, leaving the socket as it
 * was, when node:http's state is not what this expects (then the caller
 * answers 400 instead of re-reading).
 */
export function releaseFromHttp(socket: Socket): boolean {
  const s = socket as HttpSocket;
  const parser = s.parser;
  if (!parser || typeof parser.unconsume !== 'function' || typeof parser.free !== 'function') return false;
  const found = EVENTS.flatMap((ev) => socket.listeners(ev).filter((fn) => NODE_LISTENER.test(fn.name)).map((fn) => [ev, fn] as const));
  // socketOnData, socketOnEnd, socketOnClose at least (socketOnError removes itself on a parse error).
  if (!['data', 'end', 'close'].every((ev) => found.some(([e]) => e === ev))) return false;
  for (const [ev, fn] of found) socket.removeListener(ev, fn as (...args: unknown[]) => void);
  parser.unconsume();
  if (s._handle) s._handle._consumed = false;
  parser.remove?.();
  parser.free();
  s.parser = null;
  s._httpMessage = null;
  // node:http wraps these to notice data listeners; the next server wraps them again.
  socket.on = net.Socket.prototype.on;
  socket.addListener = net.Socket.prototype.addListener;
  socket.prependListener = net.Socket.prototype.prependListener;
  return true;
}

/** A listening socket's libuv handle: a TCP or pipe wrap (lib/net.js keeps it as `_handle`). */
type ListenHandle = { readStart?: () => number; readStop?: () => number };

function listenHandle(server: net.Server): ListenHandle | null {
  const handle = (server as net.Server & { _handle?: ListenHandle | null })._handle;
  return handle && typeof handle.readStart === 'function' && typeof handle.readStop === 'function' ? handle : null;
}

/**
 * Stops taking connections from `server`'s listening socket, which stays
 * open: new connections wait in the kernel's backlog (or go to another
 * worker on the same socket). libuv polls a listening socket through the
 * same watcher a stream reads with, so the stream's readStop stops it (once
 * readStart has marked it reading) and readStart starts it again; libuv
 * accepts one connection per poll event, so nothing is accepted past the
 * pause. Probe: the handle has both methods and readStop returns 0. Returns
 * false when the handle is not as expected (the caller falls back).
 */
export function pauseAccepting(server: net.Server): boolean {
  const handle = listenHandle(server);
  if (!handle) return false;
  handle.readStart!();
  return handle.readStop!() === 0;
}

/** Takes connections again after pauseAccepting(); nothing to do on a closed server. */
export function resumeAccepting(server: net.Server): void {
  listenHandle(server)?.readStart!();
}

type ReadingHandle = { readStop?(): number; readStart?(): number; reading?: boolean };

/**
 * Stops the connection's handle from reading, at once, and returns what
 * starts it again. While node:http's refused parser still consumes the
 * handle, anything read (more bytes, the client's EOF) would go to it and be
 * lost; stopped, it waits in the kernel for the next reader. `reading` is
 * net.Socket's own flag for the handle's state, kept true to what it is.
 * Without the handle's methods (probe), nothing is held and nothing restarted.
 */
export function holdReads(socket: Socket): () => void {
  const handle = (socket as Socket & { _handle?: ReadingHandle | null })._handle;
  if (!handle || typeof handle.readStop !== 'function' || typeof handle.readStart !== 'function' || !handle.reading) return () => {};
  handle.readStop();
  handle.reading = false;
  return () => {
    const h = (socket as Socket & { _handle?: ReadingHandle | null })._handle;
    if (socket.destroyed || !h || h.reading) return;
    h.reading = true;
    const err = h.readStart!();
    if (err) socket.destroy();
  };
}
