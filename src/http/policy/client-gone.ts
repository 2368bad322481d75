// The request's abort signal, one rule for both stacks: it aborts when the
// client leaves before the response is finished, and a streamed response body
// is cancelled through it (fetch-response.ts). The direct path's Exchange is a
// ClientSignal, told by its connection; node:http's is wired by clientGone(). Workers.

import type { ServerResponse } from 'node:http';

export class ClientSignal {
  #abort: AbortController | null = null;
  #left = false;

  /** The signal, made when first asked: aborted already when the client left and the response is not `finished`. */
  requestSignal(finished: boolean): AbortSignal {
    this.#abort ??= new AbortController();
    if (this.#left && !finished && !this.#abort.signal.aborted) this.#abort.abort();
    return this.#abort.signal;
  }

  /** The client left; the app is told unless its response was `finished` by then. */
  clientLeft(finished: boolean): void {
    this.#left = true;
    if (!finished && this.#abort && !this.#abort.signal.aborted) this.#abort.abort();
  }
}

/**
 * node:http's side: the client leaves when the response closes, or when it
 * ends its side of the connection (the server keeps half-closed connections
 * open to answer them, so a vanished client shows first as that end).
 */
export function clientGone(res: ServerResponse): AbortSignal {
  const client = new ClientSignal();
  // Made first, so each clientLeft below decides by the response's state then.
  const signal = client.requestSignal(false);
  // HTTP/2: a stream closed by the client's RST_STREAM carries its code; Node 20
  // marks the response finished by then, so the code is what tells.
  const stream = (res as { stream?: { rstCode?: number; closed: boolean; once(ev: 'close', fn: () => void): void } }).stream;
  if (stream !== undefined) {
    const reset = () => client.clientLeft((stream.rstCode ?? 0) === 0 && res.writableEnded);
    if (stream.closed) reset();
    else stream.once('close', reset);
    return signal;
  }
  const gone = () => client.clientLeft(res.writableFinished);
  const socket = res.req.socket;
  if (res.closed || socket.readableEnded) {
    gone();
    return signal;
  }
  res.once('close', gone);
  socket.once('end', gone);
  res.once('finish', () => socket.off('end', gone));
  return signal;
}
