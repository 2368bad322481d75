// The one catalogue of Node internals Narwhal uses: every private property,
// binding or undocumented function is reached through this file, each with the
// probe that says whether this Node has it and the fallback used without it
// (NODE_INTERNALS at the end; test/unit/http/node-internals.test.ts runs every
// probe on each Node in CI). Patches of public APIs (net.Server.prototype.listen,
// a server's emit, process.on, process.title) are not internals: they are in
// app/listen-patches.ts. Imported by the HTTP layer and the app layer, in workers.

import type { IncomingMessage, ServerResponse } from 'node:http';
import http from './node-http.js';
import net, { type Socket } from 'node:net';

// --- libuv stream handles (handle-io.ts): process.binding('stream_wrap'), socket._handle, socket._unrefTimer ---

/** The handle's side of Node's stream machinery (lib/internal/stream_base_commons.js). */
export interface StreamHandle {
  onread: (this: StreamHandle, buffer: ArrayBuffer) => unknown;
  writeUtf8String(req: WriteReq, data: string): number;
  writeBuffer(req: WriteReq, data: Uint8Array): number;
}

export interface WriteReq {
  handle: StreamHandle;
  oncomplete: (this: WriteReq, status: number) => void;
  async: boolean;
  /** Kept alive while the write is in flight: the handle does not copy a buffer it could not write at once. */
  buffer: Uint8Array | string | null;
  socket: Socket | null;
}

export interface StreamWrap {
  WriteWrap: new () => WriteReq;
  streamBaseState: Int32Array;
  kReadBytesOrError: number;
  kArrayBufferOffset: number;
  kLastWriteWasAsync: number;
}

type InternalSocket = Socket & { _handle?: Partial<StreamHandle> | null; _unrefTimer?: () => void };

/**
 * Node's own binding, through the allow-listed process.binding: the same
 * WriteWrap and shared state array net.Socket uses; null when anything is not as expected.
 */
function loadStreamWrap(): StreamWrap | null {
  try {
    const binding = (process as unknown as { binding(name: string): Partial<StreamWrap> }).binding('stream_wrap');
    const ok =
      typeof binding.WriteWrap === 'function' &&
      binding.streamBaseState instanceof Int32Array &&
      [binding.kReadBytesOrError, binding.kArrayBufferOffset, binding.kLastWriteWasAsync].every((k) => typeof k === 'number');
    return ok ? (binding as StreamWrap) : null;
  } catch {
    return null;
  }
}

export const STREAM_WRAP: StreamWrap | null = loadStreamWrap();

/** The socket's handle, when it can be read and written directly (with STREAM_WRAP); else null. */
export function streamHandle(socket: Socket): StreamHandle | null {
  const s = socket as InternalSocket;
  const handle = s._handle;
  if (!STREAM_WRAP || !handle || typeof handle.onread !== 'function' || typeof handle.writeUtf8String !== 'function' || typeof handle.writeBuffer !== 'function') return null;
  if (typeof s._unrefTimer !== 'function') return null;
  return handle as StreamHandle;
}

/** Refreshes the socket's timeout, as net.Socket does on every read and write (only after streamHandle() said yes). */
export function refreshTimeout(socket: Socket): void {
  (socket as InternalSocket)._unrefTimer?.();
}

// --- node:http's state on a connection (lib/_http_server.js): parser, _httpMessage, _paused, its listeners ---

/** The response node:http is writing on `socket` (null or undefined when none). */
export function httpMessageOf(socket: Socket): ServerResponse | null | undefined {
  return (socket as Socket & { _httpMessage?: ServerResponse | null })._httpMessage;
}

/** node:http paused reading for a pipelined request (it resumes with 'resume'). */
export function httpPaused(socket: Socket): boolean {
  return (socket as Socket & { _paused?: boolean })._paused === true;
}

/** node:http's parser is still attached (it lets go after an accepted upgrade). */
export function hasHttpParser(socket: Socket): boolean {
  return Boolean((socket as Socket & { parser?: unknown }).parser);
}

/** node:http's one 'data' listener, set up by its connection listener; null when it is not alone. */
export function httpDataListener(socket: Socket): ((chunk: Buffer) => void) | null {
  const listeners = socket.listeners('data') as ((chunk: Buffer) => void)[];
  return listeners.length === 1 ? listeners[0]! : null;
}

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

/** node:http's listeners on a connection, when they and its parser are as releaseFromHttp expects; else null. */
function httpListeners(socket: Socket): (readonly [string, (...args: unknown[]) => unknown])[] | null {
  const parser = (socket as HttpSocket).parser;
  if (!parser || typeof parser.unconsume !== 'function' || typeof parser.free !== 'function') return null;
  const found = EVENTS.flatMap((ev) => socket.listeners(ev).filter((fn) => NODE_LISTENER.test(fn.name)).map((fn) => [ev, fn as (...args: unknown[]) => unknown] as const));
  // socketOnData, socketOnEnd, socketOnClose at least (socketOnError removes itself on a parse error).
  return ['data', 'end', 'close'].every((ev) => found.some(([e]) => e === ev)) ? found : null;
}

/**
 * Takes a connection back from node:http after its parser refused a request,
 * so another server (the strict one) can read it afresh: node:http's
 * listeners and parser are removed. Returns false, leaving the socket as it
 * was, when node:http's state is not what this expects (then the caller
 * answers 400 instead of re-reading).
 */
export function releaseFromHttp(socket: Socket): boolean {
  const s = socket as HttpSocket;
  const found = httpListeners(socket);
  const parser = s.parser;
  if (!found || !parser) return false;
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

// --- node:http's parser callbacks on a connection: kOnMessageBegin, kOnExecute, getCurrentBuffer ---

/** What a tap on node:http's parser hears (head-tap.ts): each message's first byte, and each read once parsed. */
export interface ParserTap {
  /** A message began: llhttp read its first byte after any CR and LF. */
  begin(): void;
  /** llhttp parsed one read (`result`: bytes parsed, or its refusal); `bytes` copies the read. False: node:http is not told. */
  read(result: number | Error, bytes: () => Buffer): boolean;
}

type CallbackParser = Record<number, unknown> & { constructor: { kOnMessageBegin?: unknown; kOnExecute?: unknown }; getCurrentBuffer?: () => Buffer };

/**
 * The parser's callback slots, when node:http reads the connection natively (it
 * calls kOnExecute after each read) and leaves kOnMessageBegin unset; else null.
 */
function parserSlots(socket: Socket): { parser: CallbackParser; begin: number; execute: number } | null {
  const parser = (socket as Socket & { parser?: CallbackParser | null }).parser;
  if (!parser || typeof parser.getCurrentBuffer !== 'function') return null;
  const { kOnMessageBegin: begin, kOnExecute: execute } = parser.constructor;
  if (typeof begin !== 'number' || typeof execute !== 'number' || typeof parser[execute] !== 'function' || parser[begin] != null) return null;
  return { parser, begin, execute };
}

/**
 * Lets `tap` hear node:http's parser on `socket` (node:http resets both slots
 * when it frees the parser). Returns false, installing nothing, when the
 * parser is not as expected.
 */
export function tapHttpParser(socket: Socket, tap: ParserTap): boolean {
  const slots = parserSlots(socket);
  if (!slots) return false;
  const { parser, begin, execute } = slots;
  const onExecute = parser[execute] as (this: unknown, ...args: unknown[]) => unknown;
  const bytes = () => parser.getCurrentBuffer!();
  parser[begin] = () => tap.begin();
  parser[execute] = function (this: unknown, result: number | Error, ...rest: unknown[]) {
    return tap.read(result, bytes) ? onExecute.call(this, result, ...rest) : undefined;
  };
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

function readingHandle(socket: Socket): Required<ReadingHandle> | null {
  const handle = (socket as Socket & { _handle?: ReadingHandle | null })._handle;
  return handle && typeof handle.readStop === 'function' && typeof handle.readStart === 'function' && typeof handle.reading === 'boolean' ? (handle as Required<ReadingHandle>) : null;
}

/**
 * Stops the connection's handle from reading, at once, and returns what
 * starts it again. While node:http's refused parser still consumes the
 * handle, anything read (more bytes, the client's EOF) would go to it and be
 * lost; stopped, it waits in the kernel for the next reader. `reading` is
 * net.Socket's own flag for the handle's state, kept true to what it is.
 * Without the handle's methods (probe), nothing is held and nothing restarted.
 */
export function holdReads(socket: Socket): () => void {
  const handle = readingHandle(socket);
  if (!handle || !handle.reading) return () => {};
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

// --- node:http's objects: ServerResponse._header, IncomingMessage._addHeaderLines ---

/** The head node:http wrote; headers given to writeHead as a list are only visible there. */
export function writtenHead(res: ServerResponse): string {
  // Node's HTTP/2 compat response has `_header` too, as a boolean.
  const head = (res as unknown as { _header?: unknown })._header;
  return typeof head === 'string' ? head : '';
}

type HeaderLines = { headers: unknown; headersDistinct: unknown; rawHeaders: string[]; _addHeaderLines?(h: string[], n: number): void };

/**
 * Replaces a request's fields (node:http built req.headers already): with
 * node's own _addHeaderLines, which rebuilds headers and headersDistinct
 * lazily with node's rules for repeats; without it, headers joined here.
 */
export function replaceHeaderLines(req: IncomingMessage, headers: string[]): void {
  const r = req as unknown as HeaderLines;
  if (headers.length === 0 || typeof r._addHeaderLines !== 'function') {
    const joined: Record<string, string> = {};
    const distinct: Record<string, string[]> = {};
    for (let i = 0; i < headers.length; i += 2) {
      const name = headers[i]!.toLowerCase();
      joined[name] = joined[name] === undefined ? headers[i + 1]! : `${joined[name]}, ${headers[i + 1]!}`;
      (distinct[name] ??= []).push(headers[i + 1]!);
    }
    r.headers = joined;
    r.headersDistinct = distinct;
    r.rawHeaders = headers;
    return;
  }
  r.headers = null;
  r.headersDistinct = null;
  r._addHeaderLines(headers, headers.length);
}

// --- undici's Request and Response (Node 20): internals under symbol keys ---

/**
 * The symbol keys of a Request's internals (call it only when needed: it loads
 * Node's undici). Empty where Node keeps them in private fields (22+).
 */
export function requestInternals(): readonly symbol[] {
  return Object.getOwnPropertySymbols(new Request('http://localhost/'));
}

/** A lazy Request can stand in for Node's: the internals its methods read are these symbols. */
export function lazyRequestsWork(internals: readonly symbol[]): boolean {
  return ['state', 'signal', 'headers'].every((name) => internals.some((s) => s.description === name));
}

/** The key of a Response's state (what it was built from), read off an instance of Node's class; undefined where there is none. */
export function responseStateKey(NodeResponse: typeof Response): symbol | undefined {
  return Object.getOwnPropertySymbols(new NodeResponse('')).find((s) => s.description === 'state');
}

/** The string or bytes a Response of Node's was built from, while its stream is untouched; else undefined. */
export function responseSource(response: Response, STATE: symbol | undefined): string | Uint8Array | undefined {
  if (STATE === undefined || response.bodyUsed) return undefined;
  const body = (response as unknown as Record<symbol, { body?: { source?: unknown; stream?: ReadableStream } | null } | undefined>)[STATE]?.body;
  if (!body || body.stream?.locked !== false) return undefined;
  const source = body.source;
  return typeof source === 'string' || source instanceof Uint8Array ? source : undefined;
}

// --- net's listen() arguments: net._normalizeArgs ---

export interface ListenRequest {
  readonly port?: number | string | undefined;
  readonly host?: string | undefined;
  readonly path?: string | undefined;
  readonly fd?: number | undefined;
}

type NormalizeArgs = (args: unknown[]) => [ListenRequest, ((...a: unknown[]) => void) | null];

/**
 * net's own parser of listen()'s many forms (port, host, backlog, callback;
 * an options object; a path; a handle), as cluster uses: returns the options
 * and the callback. Without it, an options object or a leading port and host
 * are read here, and a trailing function is the callback.
 */
export function normalizeListenArgs(args: unknown[]): [ListenRequest, ((...a: unknown[]) => void) | null] {
  const normalize = (net as unknown as { _normalizeArgs?: NormalizeArgs })._normalizeArgs;
  if (typeof normalize === 'function') return normalize(args);
  const last = args[args.length - 1];
  const callback = typeof last === 'function' ? (last as (...a: unknown[]) => void) : null;
  const first = args[0];
  if (first !== null && typeof first === 'object') return [first as ListenRequest, callback];
  if (typeof first === 'string' && !/^\d+$/.test(first)) return [{ path: first }, callback];
  return [{ port: first as number | string | undefined, host: typeof args[1] === 'string' ? args[1] : undefined }, callback];
}

// --- The catalogue: each internal above, its probe and its fallback ---

/** Live objects the connection probes read: a plain node:http server's connection while a response is being written. */
export interface ProbeSamples {
  /** The server side of the connection, as node:http set it up. */
  readonly connection: Socket;
  /** The response being written on it: writeHead called, not ended. */
  readonly response: ServerResponse;
  /** A listening net.Server. */
  readonly listening: net.Server;
}

export type NodeInternal = {
  readonly name: string;
  readonly usedBy: string;
  /** What happens on a Node without it. */
  readonly fallback: string;
  /** Whether this Node major is expected to have it (Node 22+ keeps undici's internals in private fields). */
  readonly expected: (major: number) => boolean;
} & ({ readonly needs: 'nothing' | 'undici'; probe(): boolean } | { readonly needs: 'connection'; probe(samples: ProbeSamples): boolean });

const always = (): boolean => true;
const undiciSymbols = (major: number): boolean => major < 22;

export const NODE_INTERNALS: readonly NodeInternal[] = [
  { name: "process.binding('stream_wrap')", usedBy: 'handle-io.ts', needs: 'nothing', expected: always, probe: () => STREAM_WRAP !== null, fallback: 'the direct fetch path reads and writes through net.Socket (slower)' },
  { name: 'socket._handle (onread, writeUtf8String, writeBuffer), socket._unrefTimer', usedBy: 'handle-io.ts', needs: 'connection', expected: always, probe: (s) => streamHandle(s.connection) !== null, fallback: 'the direct fetch path reads and writes through net.Socket (slower)' },
  { name: "node:http's one 'data' listener on a connection", usedBy: 'connection-gate.ts', needs: 'connection', expected: always, probe: (s) => httpDataListener(s.connection) !== null, fallback: 'the connection is served without the strict HTTP/1.1 checks (warned per connection)' },
  { name: 'socket.parser', usedBy: 'connection-gate.ts', needs: 'connection', expected: always, probe: (s) => hasHttpParser(s.connection), fallback: 'after an upgrade the gate keeps reading the tunnel' },
  { name: 'socket._httpMessage', usedBy: 'connection-gate.ts, native-http1.ts, policy/error-answer.ts', needs: 'connection', expected: always, probe: (s) => httpMessageOf(s.connection) === s.response, fallback: 'no response is seen in flight: a refusal is answered at once, maybe before a pipelined response' },
  { name: 'socket._paused', usedBy: 'connection-gate.ts', needs: 'connection', expected: always, probe: (s) => typeof (s.connection as Socket & { _paused?: unknown })._paused === 'boolean', fallback: 'pipelined bytes are handed to node:http while it is paused' },
  { name: "node:http's parser (unconsume, free) and listener names, _handle._consumed", usedBy: 'native-http1.ts (releaseFromHttp)', needs: 'connection', expected: always, probe: (s) => httpListeners(s.connection) !== null, fallback: 'a request llhttp refuses is answered 400 instead of re-read by the strict parser' },
  { name: "node:http's parser kOnMessageBegin, kOnExecute, getCurrentBuffer", usedBy: 'native-http1.ts (head-tap.ts)', needs: 'connection', expected: always, probe: (s) => parserSlots(s.connection) !== null, fallback: 'only a first request read in one packet is handed to the strict parser when llhttp refuses it; a refused later head gets 400, and CR/LF before a request line are not counted' },
  { name: 'socket._handle readStop/readStart/reading', usedBy: 'native-http1.ts (holdReads)', needs: 'connection', expected: always, probe: (s) => readingHandle(s.connection) !== null, fallback: 'reads are not held while a refused connection is handed over' },
  { name: 'server._handle readStart/readStop', usedBy: 'connection-limit.ts', needs: 'connection', expected: always, probe: (s) => listenHandle(s.listening) !== null, fallback: 'past --worker-connections new connections are closed instead of waiting (warned)' },
  { name: 'ServerResponse._header', usedBy: 'access-record.ts', needs: 'connection', expected: always, probe: (s) => writtenHead(s.response) !== '', fallback: "the access log's size counts the head, and fields given to writeHead as a list read as '-'" },
  { name: 'IncomingMessage.prototype._addHeaderLines', usedBy: 'head-fixups.ts', needs: 'nothing', expected: always, probe: () => typeof (http.IncomingMessage.prototype as { _addHeaderLines?: unknown })._addHeaderLines === 'function', fallback: "a rewritten head's fields are joined here, without node's rules for repeats" },
  { name: "undici Request's symbol-keyed internals", usedBy: 'fetch-request.ts (LazyRequest)', needs: 'undici', expected: undiciSymbols, probe: () => lazyRequestsWork(requestInternals()), fallback: 'each Request is built whole (IncomingRequest), as on Node 22+' },
  { name: "undici Response's state symbol", usedBy: 'fetch-response.ts', needs: 'undici', expected: undiciSymbols, probe: () => responseStateKey(Response) !== undefined, fallback: "a string or bytes Response's body is read through its stream, as on Node 22+" },
  { name: 'net._normalizeArgs', usedBy: 'app/listen-capture.ts', needs: 'nothing', expected: always, probe: () => typeof (net as unknown as { _normalizeArgs?: unknown })._normalizeArgs === 'function', fallback: "listen()'s arguments are read here (port and host, an options object, a path)" },
];

/** What a worker says once at start: the internals this Node should have and has not, probed without a connection or undici. */
export function missingAtStart(): string[] {
  const major = Number(process.versions.node.split('.')[0]);
  return NODE_INTERNALS.filter((i) => i.needs === 'nothing' && i.expected(major) && !i.probe()).map((i) => `This Node (${process.version}) lacks ${i.name}, used by ${i.usedBy}: ${i.fallback}`);
}
