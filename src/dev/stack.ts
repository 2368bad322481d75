// Reads an error for the dev error pages: its stack frames (already mapped to
// the TypeScript source, since tsx turns on source maps), the lines around
// each app frame, and where a load error points (for an ES module syntax
// error, by running `node --check`). Used by the error pages in a worker.

import { spawnSync } from 'node:child_process';
import { readFileSync, statSync } from '../node-fs.js';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export interface CodeContext {
  /** The first line number shown (1-based). */
  readonly start: number;
  readonly lines: readonly string[];
  /** The line the frame points at (1-based). */
  readonly line: number;
  readonly column: number;
}

export interface Frame {
  readonly fn: string;
  readonly file: string;
  readonly line: number;
  readonly column: number;
  /** The app's own code (not Node's internals, not node_modules). */
  readonly app: boolean;
  readonly context: CodeContext | null;
  /** The frame's variables at the throw, when the inspector caught them (locals.ts). */
  readonly locals?: readonly (readonly [string, string])[] | undefined;
}

export interface Location {
  readonly file: string;
  readonly line: number;
  readonly column: number;
}

const FRAME = /^\s*at (?:(.+?) \()?(?:async )?((?:file:\/\/|\/|[A-Za-z]:\\|node:)[^()]*?):(\d+):(\d+)\)?\s*$/;

function toPath(file: string): string {
  if (file.startsWith('file://')) {
    try {
      return fileURLToPath(file.replace(/[?#].*$/, ''));
    } catch {
      return file;
    }
  }
  return file;
}

/** Narwhal's own compiled code (dist/src), which is not the app's even outside node_modules. */
const OWN_CODE = fileURLToPath(new URL('..', import.meta.url));

export function isAppFile(file: string): boolean {
  return path.isAbsolute(file) && !file.startsWith(OWN_CODE) && !file.split(/[\\/]/).includes('node_modules');
}

/** The lines around `line` of `file`, or null when the file cannot be read. */
export function codeContext(file: string, line: number, column = 0, radius = 5): CodeContext | null {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch {
    return null;
  }
  const all = text.split(/\r?\n/);
  if (line < 1 || line > all.length) return null;
  const start = Math.max(1, line - radius);
  return { start, lines: all.slice(start - 1, Math.min(all.length, line + radius)), line, column };
}

/** The frames of an error's stack, app frames with their code context. */
export function parseStack(stack: string, contextFrames = 12): Frame[] {
  const frames: Frame[] = [];
  let withContext = 0;
  for (const raw of stack.split('\n')) {
    const m = FRAME.exec(raw);
    if (!m) continue;
    const file = toPath(m[2]!);
    const line = Number(m[3]);
    const column = Number(m[4]);
    const app = isAppFile(file);
    const context = app && withContext++ < contextFrames ? codeContext(file, line, column) : null;
    frames.push({ fn: m[1] ?? '(anonymous)', file, line, column, app, context });
  }
  return frames;
}

/**
 * Where a load error points: a compile error names `file:line:col` in its
 * message (esbuild) or the first line of its stack (V8's SyntaxError); a throw
 * at import has the app's frame on its stack.
 */
export function locateError(err: unknown): Location | null {
  if (!(err instanceof Error)) return null;
  const compile = /(?:^|\n)((?:\/|[A-Za-z]:\\)[^\n:]+):(\d+):(\d+): ERROR:/.exec(err.message);
  if (compile) return { file: compile[1]!, line: Number(compile[2]), column: Number(compile[3]) };
  const head = /^((?:file:\/\/|\/)[^\n]+?):(\d+)\n/.exec(err.stack ?? '');
  if (head && err.name === 'SyntaxError') return { file: toPath(head[1]!), line: Number(head[2]), column: 0 };
  const frame = parseStack(err.stack ?? '', 1).find((f) => f.app);
  return frame ? { file: frame.file, line: frame.line, column: frame.column } : null;
}

/** The error and its causes, outermost first. */
export function causeChain(err: unknown, max = 5): unknown[] {
  const chain: unknown[] = [];
  for (let e: unknown = err; e !== undefined && e !== null && chain.length < max; e = (e as { cause?: unknown }).cause) {
    chain.push(e);
    if (!(e instanceof Error)) break;
  }
  return chain;
}

/**
 * V8 does not say which ES module a SyntaxError is in. The app's JavaScript
 * files, most recently saved first, are checked with `node --check` until one
 * fails; its output names the file and line. Dev error path only.
 */
export function findSyntaxError(files: readonly string[], max = 8): Location | null {
  const js = files
    .filter((f) => /\.(m|c)?js$/.test(f))
    .map((f) => ({ f, t: statSync(f, { throwIfNoEntry: false })?.mtimeMs ?? 0 }))
    .sort((a, b) => b.t - a.t)
    .slice(0, max);
  for (const { f } of js) {
    const r = spawnSync(process.execPath, ['--check', f], { encoding: 'utf8', timeout: 5000 });
    if (r.status === 0) continue;
    const m = /^((?:file:\/\/|\/|[A-Za-z]:\\)[^\n]+?):(\d+)\n/.exec(r.stderr ?? '');
    if (m) return { file: toPath(m[1]!), line: Number(m[2]), column: 0 };
  }
  return null;
}
