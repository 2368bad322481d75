// The error log: Gunicorn's line format, levels, and reopen on USR1. Created by
// the CLI for the master and by the worker for itself, then handed to whoever
// logs; never imported as a singleton.

import { closeSync, openSync, writeSync } from '../node-fs.js';

export const LEVELS = { debug: 10, info: 20, warning: 30, error: 40, critical: 50 } as const;
export type Level = keyof typeof LEVELS;

/** A file or `-` (an inherited stream) that can be reopened after rotation. */
export class LogSink {
  readonly #target: string;
  readonly #stdFd: number;
  #fd: number;

  /** `target` is a path or `-`; `-` writes to `stdFd` (1 or 2). */
  constructor(target: string, stdFd: 1 | 2) {
    this.#target = target;
    this.#stdFd = stdFd;
    this.#fd = this.#open();
  }

  #open(): number {
    return this.#target === '-' ? this.#stdFd : openSync(this.#target, 'a', 0o644);
  }

  get isFile(): boolean {
    return this.#target !== '-';
  }

  get fd(): number {
    return this.#fd;
  }

  write(text: string): void {
    try {
      writeSync(this.#fd, text);
    } catch {
      // A log that cannot be written (a full disk, a closed pipe) must not take the server down.
    }
  }

  get target(): string {
    return this.#target;
  }

  /**
   * Opens the file again (after rotation) and closes the old descriptor. When
   * the file cannot be opened (its directory removed or replaced), the old
   * descriptor is kept and the error returned: a log must never stop a server.
   */
  reopen(): Error | null {
    if (!this.isFile) return null;
    const old = this.#fd;
    try {
      this.#fd = this.#open();
    } catch (err) {
      return err as Error;
    }
    try {
      closeSync(old);
    } catch {
      // Already closed: nothing is lost.
    }
    return null;
  }

  close(): void {
    if (this.isFile) closeSync(this.#fd);
  }
}

function pad(n: number, w = 2): string {
  return String(n).padStart(w, '0');
}

/** Gunicorn's timestamp: `2026-11-25 03:04:05 +0000`. */
export function logTimestamp(d = new Date()): string {
  const off = -d.getTimezoneOffset();
  const sign = off >= 0 ? '+' : '-';
  const abs = Math.abs(off);
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())} ${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())} ${sign}${pad(Math.floor(abs / 60))}${pad(abs % 60)}`;
}

/** Also told of every line that passes the level: syslog, statsd's log counters. */
export type LogObserver = (level: Level, message: string, isException: boolean) => void;

export class Logger {
  readonly #sink: LogSink;
  readonly #min: number;
  readonly #observers: readonly LogObserver[];

  constructor(sink: LogSink, level: Level, observers: readonly LogObserver[] = []) {
    this.#sink = sink;
    this.#min = LEVELS[level];
    this.#observers = observers;
  }

  get sink(): LogSink {
    return this.#sink;
  }

  enabled(level: Level): boolean {
    return LEVELS[level] >= this.#min;
  }

  log(level: Level, message: string, isException = false): void {
    if (LEVELS[level] < this.#min) return;
    const tag = level.toUpperCase();
    const lines = message.endsWith('\n') ? message : `${message}\n`;
    this.#sink.write(`[${logTimestamp()}] [${process.pid}] [${tag}] ${lines}`);
    for (const observe of this.#observers) observe(level, message, isException);
  }

  debug(message: string): void {
    this.log('debug', message);
  }
  info(message: string): void {
    this.log('info', message);
  }
  warning(message: string): void {
    this.log('warning', message);
  }
  error(message: string): void {
    this.log('error', message);
  }
  critical(message: string): void {
    this.log('critical', message);
  }

  /** An error and its stack, for failures in user code. */
  exception(message: string, err: unknown): void {
    const stack = err instanceof Error ? (err.stack ?? String(err)) : String(err);
    this.log('error', `${message}\n${stack}`, true);
  }

  /** Reopens the error log; see LogSink.reopen. */
  reopen(): Error | null {
    return this.#sink.reopen();
  }

  /** A line for the log and, when the log is a file that may be out of reach, for stderr too. */
  logWithStderr(level: Level, message: string): void {
    this.log(level, message);
    if (this.#sink.isFile && LEVELS[level] >= this.#min) {
      try {
        writeSync(2, `[${logTimestamp()}] [${process.pid}] [${level.toUpperCase()}] ${message}\n`);
      } catch {
        // No stderr either: the line went where it could.
      }
    }
  }
}
