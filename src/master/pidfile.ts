// The master's pidfile (`-p/--pid`): refuses to start over a live one,
// removes its own on exit. Used by the arbiter only.

import { readFileSync, renameSync, unlinkSync, writeFileSync } from '../node-fs.js';
import path from 'node:path';
import { NarwhalError } from '../errors.js';

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

export class Pidfile {
  #path: string;

  constructor(file: string) {
    this.#path = path.resolve(file);
  }

  get path(): string {
    return this.#path;
  }

  create(pid: number, umask: number): void {
    let old: number | null = null;
    try {
      old = Number.parseInt(readFileSync(this.#path, 'utf8').trim(), 10);
    } catch {
      // No pidfile yet.
    }
    if (old && old !== pid && alive(old)) {
      throw new NarwhalError('PIDFILE', `pidfile ${this.#path} names pid ${old}, which is still running; stop it first or choose another --pid`);
    }
    try {
      writeFileSync(this.#path, `${pid}\n`, { mode: 0o666 & ~umask });
    } catch (e) {
      throw new NarwhalError('PIDFILE', `cannot write pidfile ${this.#path}: ${(e as Error).message}`);
    }
  }

  /** Moves the file (a new master taking over renames `<pidfile>.2` to `<pidfile>`). */
  rename(to: string): void {
    const target = path.resolve(to);
    try {
      renameSync(this.#path, target);
    } catch (e) {
      throw new NarwhalError('PIDFILE', `cannot rename pidfile ${this.#path} to ${target}: ${(e as Error).message}`);
    }
    this.#path = target;
  }

  /** Removes the file if it still names this process. */
  unlink(pid: number): void {
    try {
      if (Number.parseInt(readFileSync(this.#path, 'utf8').trim(), 10) === pid) unlinkSync(this.#path);
    } catch {
      // Gone already.
    }
  }
}
