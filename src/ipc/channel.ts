// A typed wrapper around Node's IPC channel (`process.send` in a worker,
// `child.send` in the master): send one union, receive the other, by `type`.

import type { ChildProcess } from 'node:child_process';
import type { MessageOf } from './messages.js';

interface Endpoint {
  send?: ((message: unknown, callback?: (err: Error | null) => void) => boolean) | undefined;
  on(event: 'message', listener: (message: unknown) => void): unknown;
  connected?: boolean;
}

export class Channel<Out extends { type: string }, In extends { type: string }> {
  readonly #endpoint: Endpoint;
  readonly #handlers = new Map<string, (message: never) => void>();

  constructor(endpoint: ChildProcess | NodeJS.Process) {
    this.#endpoint = endpoint as unknown as Endpoint;
    this.#endpoint.on('message', (raw) => {
      if (!raw || typeof raw !== 'object' || typeof (raw as { type?: unknown }).type !== 'string') return;
      const handler = this.#handlers.get((raw as { type: string }).type);
      handler?.(raw as never);
    });
  }

  on<T extends In['type']>(type: T, handler: (message: MessageOf<In, T>) => void): this {
    this.#handlers.set(type, handler as (message: never) => void);
    return this;
  }

  /** Sends when the channel is open; a closed channel (the peer is gone) is not an error. */
  send(message: Out, sent?: () => void): void {
    if (!this.#endpoint.send || this.#endpoint.connected === false) {
      sent?.();
      return;
    }
    this.#endpoint.send(message, () => sent?.());
  }

  /** The next message of one type. */
  next<T extends In['type']>(type: T): Promise<MessageOf<In, T>> {
    return new Promise((resolve) => this.on(type, resolve));
  }
}
