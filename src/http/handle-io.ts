// Reads and writes a connection's libuv stream handle (TCP or pipe) directly,
// for the connections served without node:http (fetch-connection.ts). The
// net.Socket stays in charge of everything else: its lifecycle, pausing,
// errors, end and close. Every chunk and write that cannot take the short way
// goes through the socket as usual. Runs in workers.

import type { Socket } from 'node:net';

/** The handle's side of Node's stream machinery (lib/internal/stream_base_commons.js). */
interface StreamHandle {
  onread: (this: StreamHandle, buffer: ArrayBuffer) => unknown;
  writeUtf8String(req: WriteReq, data: string): number;
  writeBuffer(req: WriteReq, data: Uint8Array): number;
}

interface WriteReq {
  handle: StreamHandle;
  oncomplete: (this: WriteReq, status: number) => void;
  async: boolean;
  /** Kept alive while the write is in flight: the handle does not copy a buffer it could not write at once. */
  buffer: Uint8Array | string | null;
  socket: Socket | null;
}

interface StreamWrap {
  WriteWrap: new () => WriteReq;
  streamBaseState: Int32Array;
  kReadBytesOrError: number;
  kArrayBufferOffset: number;
  kLastWriteWasAsync: number;
}

type InternalSocket = Socket & { _handle?: Partial<StreamHandle> | null; _unrefTimer?: () => void };

/**
 * Node's own binding, through the allow-listed process.binding: the same
 * WriteWrap and shared state array net.Socket uses. Where anything is not as
 * expected, `wrap` stays null and every connection takes the socket's way.
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

const wrap = loadStreamWrap();

/** Socket timeouts are refreshed on every read and write, as net.Socket does. */
function touch(socket: InternalSocket): void {
  socket._unrefTimer?.();
}

function usableHandle(socket: InternalSocket): StreamHandle | null {
  const handle = socket._handle;
  if (!wrap || !handle || typeof handle.onread !== 'function' || typeof handle.writeUtf8String !== 'function' || typeof handle.writeBuffer !== 'function') return null;
  if (typeof socket._unrefTimer !== 'function') return null;
  return handle as StreamHandle;
}

/**
 * Delivers what `socket` reads to `onData`. While the socket flows with
 * nothing buffered, a chunk goes from the handle straight to `onData`;
 * otherwise (paused, data waiting, end of stream, an error) it takes the
 * socket's own way, which reaches `onData` through 'data' in order.
 */
export function readFromHandle(socket: Socket, onData: (chunk: Buffer) => void): void {
  socket.on('data', onData);
  const handle = usableHandle(socket);
  if (!handle) return;
  const { streamBaseState: state, kReadBytesOrError, kArrayBufferOffset } = wrap!;
  const viaSocket = handle.onread;
  handle.onread = function (this: StreamHandle, buffer: ArrayBuffer) {
    const nread = state[kReadBytesOrError]!;
    if (nread <= 0 || socket.readableFlowing !== true || socket.readableLength !== 0) return viaSocket.call(this, buffer);
    touch(socket);
    onData(Buffer.from(buffer, state[kArrayBufferOffset]!, nread));
    return undefined;
  };
}

/** Sockets with a direct write still in flight: later writes queue behind it through the socket. */
const inFlight = new WeakSet<Socket>();

function onWriteComplete(this: WriteReq, status: number): void {
  const socket = this.socket!;
  inFlight.delete(socket);
  this.buffer = null;
  this.socket = null;
  if (status < 0) socket.destroy();
}

/**
 * Writes `data` (a string as UTF-8) straight to the handle when the socket
 * has nothing queued of its own; otherwise through `socket.write`. Both end
 * up in the handle's one write queue, so order is kept, and `end()` shuts
 * the connection down only after every queued write.
 */
export function writeToHandle(socket: Socket, data: string | Uint8Array): void {
  const handle = inFlight.has(socket) ? null : usableHandle(socket);
  if (!handle || socket.destroyed || !socket.writable || socket.writableLength !== 0 || socket.writableCorked !== 0) {
    socket.write(data);
    return;
  }
  const req = new wrap!.WriteWrap();
  req.handle = handle;
  req.oncomplete = onWriteComplete;
  req.async = false;
  req.buffer = null;
  req.socket = null;
  const err = typeof data === 'string' ? handle.writeUtf8String(req, data) : handle.writeBuffer(req, data);
  if (err !== 0) {
    socket.destroy();
    return;
  }
  touch(socket);
  if (wrap!.streamBaseState[wrap!.kLastWriteWasAsync]) {
    req.async = true;
    req.buffer = data;
    req.socket = socket;
    inFlight.add(socket);
  }
}
