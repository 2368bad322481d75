// Reads and writes a connection's libuv stream handle (TCP or pipe) directly,
// for the connections served without node:http (fetch-connection.ts). The
// net.Socket stays in charge of everything else: its lifecycle, pausing,
// errors, end and close. Every chunk and write that cannot take the short way
// goes through the socket as usual. The internals it needs (the stream_wrap
// binding, socket._handle) come from node-internals.ts. Runs in workers.

import type { Socket } from 'node:net';
import { STREAM_WRAP, refreshTimeout, streamHandle, type StreamHandle, type WriteReq } from './node-internals.js';

/**
 * Delivers what `socket` reads to `onData`. While the socket flows with
 * nothing buffered, a chunk goes from the handle straight to `onData`;
 * otherwise (paused, data waiting, end of stream, an error) it takes the
 * socket's own way, which reaches `onData` through 'data' in order.
 */
export function readFromHandle(socket: Socket, onData: (chunk: Buffer) => void): void {
  socket.on('data', onData);
  const handle = streamHandle(socket);
  if (!handle) return;
  const { streamBaseState: state, kReadBytesOrError, kArrayBufferOffset } = STREAM_WRAP!;
  const viaSocket = handle.onread;
  handle.onread = function (this: StreamHandle, buffer: ArrayBuffer) {
    const nread = state[kReadBytesOrError]!;
    if (nread <= 0 || socket.readableFlowing !== true || socket.readableLength !== 0) return viaSocket.call(this, buffer);
    refreshTimeout(socket);
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
  const handle = inFlight.has(socket) ? null : streamHandle(socket);
  if (!handle || socket.destroyed || !socket.writable || socket.writableLength !== 0 || socket.writableCorked !== 0) {
    socket.write(data);
    return;
  }
  const req = new STREAM_WRAP!.WriteWrap();
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
  refreshTimeout(socket);
  if (STREAM_WRAP!.streamBaseState[STREAM_WRAP!.kLastWriteWasAsync]) {
    req.async = true;
    req.buffer = data;
    req.socket = socket;
    inFlight.add(socket);
  }
}
