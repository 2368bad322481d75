// The master's single line of events: signals, worker messages and ticks are
// handled one at a time, in arrival order, even when a step awaits (a hook, a
// config reload), so no two steps ever interleave. Created by the arbiter; master only.

export class EventQueue<E> {
  readonly #handle: (event: E) => void | Promise<void>;
  readonly #queue: E[] = [];
  #busy = false;

  constructor(handle: (event: E) => void | Promise<void>) {
    this.#handle = handle;
  }

  /** Whether an event like this one is still waiting (handled ones and the one in hand do not count). */
  has(match: (queued: E) => boolean): boolean {
    return this.#queue.some(match);
  }

  push(event: E): void {
    this.#queue.push(event);
    if (!this.#busy) void this.#drain();
  }

  async #drain(): Promise<void> {
    this.#busy = true;
    try {
      while (this.#queue.length > 0) await this.#handle(this.#queue.shift()!);
    } finally {
      this.#busy = false;
    }
  }
}
