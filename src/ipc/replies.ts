// Requests answered by id over a one-way channel, each with a deadline: the
// master asking a worker (or its watchdog) for stats, metrics or a stack.
// Master only; one instance per kind of request.

export class Replies<T> {
  readonly #waiting = new Map<number, (answer: T | null) => void>();
  #nextId = 1;

  /** Sends a request under a fresh id; resolves with the answer, or null at the deadline or on close. */
  ask(send: (id: number) => void, timeoutMs: number): Promise<T | null> {
    const id = this.#nextId++;
    return new Promise((resolve) => {
      const timer = setTimeout(() => this.settle(id, null), timeoutMs);
      this.#waiting.set(id, (answer) => {
        clearTimeout(timer);
        resolve(answer);
      });
      send(id);
    });
  }

  /** An answer (or null: no answer will come) for the request with this id; unknown ids are ignored. */
  settle(id: number, answer: T | null): void {
    const resolve = this.#waiting.get(id);
    this.#waiting.delete(id);
    resolve?.(answer);
  }

  /** The peer is gone: every pending request gets null. */
  cancelAll(): void {
    for (const id of [...this.#waiting.keys()]) this.settle(id, null);
  }
}
