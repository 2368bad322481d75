// The dev server's error pages: what an uncaught exception or a load error
// looks like to the client, as HTML for browsers (error-html.ts), JSON or plain
// text otherwise. Built in the worker for --debug only; never in production.

import path from 'node:path';
import { describeError } from '../errors.js';
import { causeChain, codeContext, parseStack, type CodeContext, type Frame, type Location } from './stack.js';
import { renderHtml } from './error-html.js';
import { localsOf, type FrameLocals } from './locals.js';

export interface BodySummary {
  readonly contentType: string | null;
  /** Bytes the client said it sends (Content-Length), or null when chunked/unknown. */
  readonly declaredLength: number | null;
  /** Bytes the app read before the error. */
  readonly readBytes: number;
  /** The start of what was read, as text, when it looks like text. */
  readonly preview: string | null;
}

export interface RequestSummary {
  readonly method: string;
  readonly url: string;
  readonly httpVersion: string;
  readonly headers: readonly (readonly [string, string])[];
  readonly query: readonly (readonly [string, string])[];
  readonly body: BodySummary | null;
}

export interface Environment {
  readonly node: string;
  readonly narwhal: string;
  readonly pid: number;
  readonly platform: string;
  readonly cwd: string;
  readonly argv: readonly string[];
  readonly app: string | null;
  readonly vars: Readonly<Record<string, string>>;
}

export interface ExceptionInfo {
  readonly type: string;
  readonly message: string;
  readonly frames: readonly Frame[];
  readonly stack: string;
}

export interface ErrorReport {
  readonly kind: 'exception' | 'load';
  readonly title: string;
  /** The exception, then what caused it. */
  readonly exceptions: readonly ExceptionInfo[];
  /** For a load error: where it points, with the lines around it. */
  readonly location: (Location & { readonly context: CodeContext | null }) | null;
  readonly request: RequestSummary | null;
  readonly environment: Environment;
  readonly time: string;
}

export type Format = 'html' | 'json' | 'text';

const SECRET = /KEY|SECRET|TOKEN|PASS|PWD|AUTH|COOKIE|SESSION|SIGNATURE|PRIVATE|CREDENTIAL|DSN/i;

/** Masks values whose names look secret, as Django's debug page does for settings. */
export function maskSecrets(vars: Readonly<Record<string, string>>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const k of Object.keys(vars).sort()) out[k] = SECRET.test(k) ? '********' : vars[k]!;
  return out;
}

export function maskHeaders(headers: readonly (readonly [string, string])[]): [string, string][] {
  return headers.map(([k, v]) => [k, /^(authorization|cookie|proxy-authorization)$/i.test(k) ? '********' : v]);
}

/** HTML when the client asks for it (browsers do), else JSON when asked, else plain text. */
export function negotiate(accept: string | undefined): Format {
  const a = (accept ?? '').toLowerCase();
  if (a.includes('text/html') || a.includes('application/xhtml+xml')) return 'html';
  if (a.includes('application/json') || a.includes('+json')) return 'json';
  return 'text';
}

/** esbuild's TransformError is the compiler's word for a syntax error in the user's file: say that. */
function asUserSees(info: ExceptionInfo): ExceptionInfo {
  if (info.type !== 'TransformError' && !/^Transform failed with \d+ errors?:/.test(info.message)) return info;
  const reasons = [...info.message.matchAll(/:\d+:\d+: ERROR: (.*)$/gm)].map((m) => m[1]!);
  return { ...info, type: 'SyntaxError', message: reasons.length ? reasons.join('; ') : info.message };
}

/** Pairs the app frames of the stack, in order, with the frames the inspector read at the throw (same file, same order). */
function withLocals(frames: Frame[], captured: readonly FrameLocals[]): Frame[] {
  let next = 0;
  return frames.map((f) => {
    if (!f.app || !f.context) return f;
    const at = captured.findIndex((c, i) => i >= next && c.file === f.file);
    if (at < 0) return f;
    next = at + 1;
    return captured[at]!.vars.length ? { ...f, locals: captured[at]!.vars } : f;
  });
}

function exceptionInfo(e: unknown): ExceptionInfo {
  if (e instanceof Error) {
    return asUserSees({ type: e.name || e.constructor?.name || 'Error', message: e.message, frames: withLocals(parseStack(e.stack ?? ''), localsOf(e)), stack: describeError(e) });
  }
  return { type: typeof e, message: String(e), frames: [], stack: String(e) };
}

function loadTitle(first: ExceptionInfo, loc: Location | null): string {
  if (first.type === 'NarwhalError') return 'Your app could not be loaded';
  return loc ? `${first.type} in ${path.basename(loc.file)}` : `${first.type} while loading your app`;
}

export function buildReport(init: {
  kind: 'exception' | 'load';
  error: unknown;
  location?: Location | null;
  request: RequestSummary | null;
  environment: Environment;
}): ErrorReport {
  const chain = causeChain(init.error);
  // A load error arrives wrapped by the loader ("failed to import the app"): the app's own error is the story.
  if (init.kind === 'load' && chain.length > 1) chain.shift();
  const exceptions = chain.map(exceptionInfo);
  const first = exceptions[0]!;
  const where = init.request ? ` at ${init.request.url}` : '';
  const loc = init.location ?? null;
  return {
    kind: init.kind,
    title: init.kind === 'load' ? loadTitle(first, loc) : `${first.type}${where}`,
    exceptions,
    location: loc ? { ...loc, context: codeContext(loc.file, loc.line, loc.column, 7) } : null,
    request: init.request ? { ...init.request, headers: maskHeaders(init.request.headers) } : null,
    environment: { ...init.environment, vars: maskSecrets(init.environment.vars) },
    time: new Date().toISOString(),
  };
}

/** The line a reader of a load-error page needs after the title. */
export const LOAD_NOTE = 'The app failed to load. Save a fix and the server reloads by itself.';

/** Django's summary at the top: what was raised, where, for which request, on which versions. */
export function summaryRows(r: ErrorReport): [string, string][] {
  const first = r.exceptions[0]!;
  const frame = first.frames.find((f) => f.context) ?? first.frames[0];
  const at = r.location ?? frame;
  const rows: [string, string][] = [
    ['Exception type', first.type],
    ['Exception value', first.message],
    ['Location', at ? `${at.file}:${at.line}${at.column ? `:${at.column}` : ''}${frame && !r.location ? `, in ${frame.fn}` : ''}` : '(unknown)'],
  ];
  if (r.request) rows.push(['Request method', r.request.method], ['Request URL', r.request.url]);
  rows.push(['Node.js', r.environment.node], ['Narwhal', r.environment.narwhal], ['Server time', r.time]);
  return rows;
}

function frameText(f: Frame): string {
  const head = `  at ${f.fn} (${f.file}:${f.line}:${f.column})`;
  if (!f.context) return head;
  const locals = f.locals?.length ? `\n      Local variables:\n${f.locals.map(([k, v]) => `        ${k} = ${v}`).join('\n')}` : '';
  return `${head}\n${contextText(f.context, '      ')}${locals}`;
}

export function contextText(c: CodeContext, indent = '  '): string {
  const width = String(c.start + c.lines.length - 1).length;
  return c.lines
    .map((l, i) => {
      const n = c.start + i;
      const mark = n === c.line ? '>' : ' ';
      const caret = n === c.line && c.column > 0 ? `\n${indent}  ${' '.repeat(width)} | ${' '.repeat(c.column - 1)}^` : '';
      return `${indent}${mark} ${String(n).padStart(width)} | ${l}${caret}`;
    })
    .join('\n');
}

export function renderText(r: ErrorReport): string {
  const rows = summaryRows(r);
  const width = Math.max(...rows.map(([k]) => k.length));
  const out = [r.title, ...(r.kind === 'load' ? [LOAD_NOTE] : []), '', ...rows.map(([k, v]) => `${`${k}:`.padEnd(width + 2)}${v}`), ''];
  out.push(...r.exceptions.flatMap((e, i) => [`${i ? laterLabel() : ''}${e.type}: ${e.message}`, ...e.frames.map(frameText), '']));
  if (r.location) {
    out.push(`At ${r.location.file}:${r.location.line}${r.location.column ? `:${r.location.column}` : ''}`);
    if (r.location.context) out.push(contextText(r.location.context));
    out.push('');
  }
  if (r.request) {
    const q = r.request;
    out.push('Request:', `  ${q.method} ${q.url} HTTP/${q.httpVersion}`, ...q.headers.map(([k, v]) => `  ${k}: ${v}`));
    if (q.query.length) out.push('  Query:', ...q.query.map(([k, v]) => `    ${k} = ${v}`));
    if (q.body) out.push(`  Body: ${bodyLine(q.body)}`);
    out.push('');
  }
  const env = r.environment;
  out.push('Environment:', `  Node.js ${env.node}, narwhal ${env.narwhal}, pid ${env.pid}, ${env.platform}`, `  cwd ${env.cwd}`, `  app ${env.app ?? '(none)'}`);
  out.push('', 'You see this page because narwhal runs with --debug (narwhal dev). Never use it in production.');
  return `${out.join('\n')}\n`;
}

/** How the exceptions after the first are introduced. */
export function laterLabel(): string {
  return 'Caused by: ';
}

export function bodyLine(b: BodySummary): string {
  const type = b.contentType ?? 'no content-type';
  const declared = b.declaredLength === null ? 'length not declared' : `${b.declaredLength} bytes declared`;
  return `${type}, ${declared}, ${b.readBytes} bytes read by the app`;
}

export function renderJson(r: ErrorReport): string {
  return `${JSON.stringify({ error: r.exceptions[0], causes: r.exceptions.slice(1), kind: r.kind, title: r.title, location: r.location, request: r.request, environment: r.environment, time: r.time }, null, 2)}\n`;
}

export function renderReport(r: ErrorReport, format: Format): { contentType: string; body: string } {
  switch (format) {
    case 'html':
      return { contentType: 'text/html; charset=utf-8', body: renderHtml(r) };
    case 'json':
      return { contentType: 'application/json; charset=utf-8', body: renderJson(r) };
    case 'text':
      return { contentType: 'text/plain; charset=utf-8', body: renderText(r) };
  }
}
