// The app's module graph as a list of files, for --reload: ES modules (and
// TypeScript loaded through tsx) are seen by the hooks in module-hooks.ts;
// CommonJS files come from require's cache. Created by the worker before it
// imports the app; runs in a worker.

import { createRequire, register } from 'node:module';
import { fileURLToPath } from 'node:url';
import { MessageChannel, type MessagePort } from 'node:worker_threads';

const HOOKS = new URL('./module-hooks.js', import.meta.url);
const LATE_REPORT_MS = 100;

export class ModuleGraph {
  readonly #esm = new Set<string>();
  readonly #port: MessagePort;
  readonly #flushes = new Map<number, () => void>();
  readonly #requireCache = createRequire(import.meta.url).cache;
  #nextFlush = 1;
  #onLateLoad: (() => void) | null = null;
  #lateTimer: NodeJS.Timeout | null = null;

  /** Registers the hooks; must run before the app is imported. */
  constructor() {
    const { port1, port2 } = new MessageChannel();
    this.#port = port1;
    port1.on('message', (m: { url?: string; flushed?: number }) => {
      if (m.url) this.#add(m.url);
      else if (m.flushed !== undefined) this.#flushes.get(m.flushed)?.();
    });
    port1.unref();
    register(HOOKS, { data: { port: port2 }, transferList: [port2] });
  }

  #add(url: string): void {
    if (this.#esm.has(url)) return;
    this.#esm.add(url);
    // A lazy import() after boot: report the larger graph, once per burst.
    if (this.#onLateLoad && !this.#lateTimer) {
      this.#lateTimer = setTimeout(() => {
        this.#lateTimer = null;
        this.#onLateLoad?.();
      }, LATE_REPORT_MS);
      this.#lateTimer.unref();
    }
  }

  /** Calls `listener` when modules load after the first report. */
  onLateLoad(listener: () => void): void {
    this.#onLateLoad = listener;
  }

  /** Waits until every URL the hooks posted so far has arrived. */
  flush(timeoutMs = 500): Promise<void> {
    const id = this.#nextFlush++;
    return new Promise((resolve) => {
      const done = () => {
        clearTimeout(timer);
        this.#flushes.delete(id);
        resolve();
      };
      const timer = setTimeout(done, timeoutMs);
      this.#flushes.set(id, done);
      this.#port.postMessage({ flush: id });
    });
  }

  /** Absolute paths of the app's own files loaded so far (node_modules left out). */
  files(): string[] {
    const out = new Set<string>();
    for (const url of this.#esm) {
      try {
        out.add(fileURLToPath(url.replace(/[?#].*$/, '')));
      } catch {
        // Not a file path after all.
      }
    }
    for (const file of Object.keys(this.#requireCache)) if (file.startsWith('/') || /^[A-Za-z]:\\/.test(file)) out.add(file);
    return [...out].filter((f) => !f.split(/[\\/]/).includes('node_modules')).sort();
  }
}
