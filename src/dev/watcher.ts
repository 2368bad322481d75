// Watches a changing set of files and calls back once per burst of changes.
// One fs.watch per directory (it survives editors that save by renaming a new
// file over the old one). Created by dev.ts; runs in the master.

import { watch, type FSWatcher } from '../node-fs.js';
import path from 'node:path';

/** Files under these directories never trigger a reload: dependencies, VCS data, build output. */
const IGNORED_DIRS = new Set(['node_modules', '.git', 'dist', 'build', '.next', 'coverage']);

export function isIgnored(file: string): boolean {
  return path.dirname(file).split(path.sep).some((part) => IGNORED_DIRS.has(part));
}

export interface WatcherOptions {
  /** Quiet time after the last change before `onChange` runs. */
  readonly debounceMs: number;
  readonly onChange: (files: readonly string[]) => void;
  readonly onError?: (dir: string, err: Error) => void;
}

export class FileWatcher {
  readonly #options: WatcherOptions;
  readonly #dirs = new Map<string, FSWatcher>();
  #files = new Set<string>();
  #changed = new Set<string>();
  #timer: NodeJS.Timeout | null = null;
  #closed = false;

  constructor(options: WatcherOptions) {
    this.#options = options;
  }

  get files(): readonly string[] {
    return [...this.#files].sort();
  }

  /** Replaces the watched set; `always` files are watched even under ignored directories. */
  setFiles(files: Iterable<string>, always: Iterable<string> = []): void {
    if (this.#closed) return;
    const next = new Set<string>();
    for (const f of files) if (!isIgnored(f)) next.add(path.resolve(f));
    for (const f of always) next.add(path.resolve(f));
    this.#files = next;
    const dirs = new Set([...next].map((f) => path.dirname(f)));
    for (const [dir, w] of this.#dirs) {
      if (!dirs.has(dir)) {
        w.close();
        this.#dirs.delete(dir);
      }
    }
    for (const dir of dirs) if (!this.#dirs.has(dir)) this.#watchDir(dir);
  }

  #watchDir(dir: string): void {
    try {
      const w = watch(dir, { persistent: false }, (_event, name) => {
        if (name === null) return;
        const file = path.join(dir, name.toString());
        if (this.#files.has(file)) this.#schedule(file);
      });
      w.on('error', (err) => {
        this.#options.onError?.(dir, err);
        w.close();
        this.#dirs.delete(dir);
      });
      this.#dirs.set(dir, w);
    } catch (err) {
      // A directory that is gone (or not readable): its files cannot change under us.
      this.#options.onError?.(dir, err as Error);
    }
  }

  #schedule(file: string): void {
    this.#changed.add(file);
    if (this.#timer) clearTimeout(this.#timer);
    this.#timer = setTimeout(() => {
      this.#timer = null;
      const changed = [...this.#changed];
      this.#changed.clear();
      this.#options.onChange(changed);
    }, this.#options.debounceMs);
  }

  close(): void {
    this.#closed = true;
    if (this.#timer) clearTimeout(this.#timer);
    for (const w of this.#dirs.values()) w.close();
    this.#dirs.clear();
  }
}
