// Starts the real `narwhal` command (the built dist/) as a child process on a
// port chosen by the OS, reads its log, and stops it. Every process started
// here is killed when the test file ends, whatever happened.

import { spawn, type ChildProcess } from 'node:child_process';
import { after } from 'node:test';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
export const BIN = path.join(ROOT, 'dist/bin/narwhal.js');
export const FIXTURES = path.join(ROOT, 'test/fixtures/apps');

const started = new Set<ChildProcess>();
after(() => {
  for (const p of started) {
    try {
      process.kill(-p.pid!, 'SIGKILL');
    } catch {
      // Already gone.
    }
  }
});

export interface Exit {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
}

/** Polls `check` until it returns a value other than undefined/false, or throws at the deadline. */
export async function waitFor<T>(what: string, check: () => T | undefined | false | Promise<T | undefined | false>, timeoutMs = 10_000, everyMs = 25): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await check();
    if (v !== undefined && v !== false) return v;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, everyMs));
  }
}

export class Narwhal {
  readonly proc: ChildProcess;
  readonly exited: Promise<Exit>;
  #output = '';
  #exit: Exit | null = null;

  /** `command` replaces `node dist/bin/narwhal.js` (a script that execs narwhal, say). */
  constructor(args: readonly string[], opts: { cwd?: string; env?: NodeJS.ProcessEnv; execPath?: string; command?: readonly string[]; stdio?: import('node:child_process').StdioOptions } = {}) {
    const [exe, ...pre] = opts.command ?? [opts.execPath ?? process.execPath, BIN];
    this.proc = spawn(exe!, [...pre, ...args], {
      cwd: opts.cwd ?? ROOT,
      env: { ...process.env, NARWHAL_CMD_ARGS: '', PORT: '', WEB_CONCURRENCY: '', FORWARDED_ALLOW_IPS: '', ...opts.env },
      stdio: opts.stdio ?? ['ignore', 'pipe', 'pipe'],
      detached: true,
    });
    started.add(this.proc);
    this.proc.stdout!.setEncoding('utf8').on('data', (d: string) => (this.#output += d));
    this.proc.stderr!.setEncoding('utf8').on('data', (d: string) => (this.#output += d));
    this.exited = new Promise((resolve) =>
      this.proc.once('close', (code, signal) => {
        this.#exit = { code, signal };
        started.delete(this.proc);
        resolve(this.#exit);
      }),
    );
  }

  get pid(): number {
    return this.proc.pid!;
  }

  get output(): string {
    return this.#output;
  }

  get exit(): Exit | null {
    return this.#exit;
  }

  /** The first match of `re` in the output, waited for. */
  async waitForLog(re: RegExp, timeoutMs = 15_000): Promise<RegExpMatchArray> {
    return waitFor(`log ${re} in:\n${this.#output}`, () => this.#output.match(re) ?? (this.#exit ? Promise.reject(new Error(`narwhal exited (${JSON.stringify(this.#exit)}) before logging ${re}:\n${this.#output}`)) : undefined), timeoutMs);
  }

  /** How many times `re` (global) matches the output so far. */
  count(re: RegExp): number {
    return (this.#output.match(new RegExp(re.source, re.flags.includes('g') ? re.flags : `${re.flags}g`)) ?? []).length;
  }

  /** Pids the master reported booting, in order. */
  bootedPids(): number[] {
    return [...this.#output.matchAll(/Booting worker with pid: (\d+)/g)].map((m) => Number(m[1]));
  }

  /** Pids of workers that reported ready (needs --log-level debug). */
  readyPids(): number[] {
    return [...this.#output.matchAll(/Worker (\d+) is ready/g)].map((m) => Number(m[1]));
  }

  signal(sig: NodeJS.Signals): void {
    this.proc.kill(sig);
  }

  async stop(sig: NodeJS.Signals = 'SIGTERM', timeoutMs = 15_000): Promise<Exit> {
    if (this.#exit) return this.#exit;
    this.proc.kill(sig);
    const timer = setTimeout(() => this.proc.kill('SIGKILL'), timeoutMs);
    const exit = await this.exited;
    clearTimeout(timer);
    return exit;
  }
}

export interface Server extends Narwhal {
  readonly url: string;
  readonly port: number;
}

/**
 * Starts narwhal on 127.0.0.1 with an OS-chosen port and debug logs, and
 * resolves once `workers` workers have reported ready.
 */
export async function startServer(args: readonly string[], opts: { workers?: number; cwd?: string; env?: NodeJS.ProcessEnv; execPath?: string; readyTimeoutMs?: number } = {}): Promise<Narwhal & { url: string; port: number }> {
  const n = new Narwhal(['--bind', '127.0.0.1:0', '--log-level', 'debug', ...args], opts);
  const m = await n.waitForLog(/Listening at: (https?):\/\/127\.0\.0\.1:(\d+)/);
  const port = Number(m[2]);
  const workers = opts.workers ?? 1;
  await waitFor(`${workers} ready workers in:\n${n.output}`, () => n.readyPids().length >= workers || (n.exit ? Promise.reject(new Error(`narwhal exited early:\n${n.output}`)) : false), opts.readyTimeoutMs ?? 20_000);
  return Object.assign(n, { url: `${m[1]}://127.0.0.1:${port}`, port });
}

/** Runs narwhal to completion (for commands that exit by themselves). */
export async function runNarwhal(args: readonly string[], opts: { cwd?: string; env?: NodeJS.ProcessEnv; timeoutMs?: number } = {}): Promise<Exit & { output: string }> {
  const n = new Narwhal(args, opts);
  const timer = setTimeout(() => n.proc.kill('SIGKILL'), opts.timeoutMs ?? 20_000);
  const exit = await n.exited;
  clearTimeout(timer);
  return { ...exit, output: n.output };
}

export function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}
