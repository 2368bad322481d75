// A statsd client with Gunicorn's metric names and kinds, over UDP, with
// DogStatsD tags. Created by log/create.ts; the master reports the worker
// count, workers report requests, both report log-level counters.

import { createRequire } from 'node:module';
import type dgram from 'node:dgram';
import net from 'node:net';

/** node:dgram is loaded when a socket is made, not with the module: every master and worker imports this file, few use it. */
const loadDgram = (): typeof dgram => createRequire(import.meta.url)('node:dgram') as typeof dgram;

export class Statsd {
  readonly #socket: dgram.Socket;
  readonly #host: string;
  readonly #port: number;
  readonly #prefix: string;
  readonly #suffix: string;

  /** `target` is HOST:PORT (port 8125 when left out). */
  constructor(target: string, prefix: string, tags: readonly string[]) {
    const m = /^(\[[^\]]+\]|[^:]+)(?::(\d+))?$/.exec(target.trim());
    if (!m) throw new Error(`"${target}" is not HOST:PORT`);
    this.#host = m[1]!.replace(/^\[|\]$/g, '');
    this.#port = Number(m[2] ?? 8125);
    this.#prefix = prefix ? (prefix.endsWith('.') ? prefix : `${prefix}.`) : '';
    this.#suffix = tags.length ? `|#${tags.join(',')}` : '';
    this.#socket = loadDgram().createSocket(net.isIPv6(this.#host) ? 'udp6' : 'udp4');
    this.#socket.on('error', () => {});
    this.#socket.unref();
  }

  #send(name: string, value: number, kind: 'c' | 'ms' | 'g'): void {
    this.#socket.send(`${this.#prefix}${name}:${value}|${kind}${this.#suffix}`, this.#port, this.#host);
  }

  increment(name: string, value = 1): void {
    this.#send(name, value, 'c');
  }

  timing(name: string, ms: number): void {
    this.#send(name, Math.round(ms * 1000) / 1000, 'ms');
  }

  gauge(name: string, value: number): void {
    this.#send(name, value, 'g');
  }

  close(): void {
    this.#socket.close();
  }
}
