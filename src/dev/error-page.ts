// The dev server's error pages: what an uncaught exception or a load error
// looks like to the client, as HTML for browsers (error-html.ts), JSON or plain
// text otherwise. Built in the worker for --debug only; never in production.

import { describeError } from '../errors.js';
import { causeChain, codeContext, parseStack, type CodeContext, type Frame, type Location } from './stack.js';
import { renderHtml } from './error-html.js';

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

function exceptionInfo(e: unknown): ExceptionInfo {
  if (e instanceof Error) {
    return { type: e.name || e.constructor?.name || 'Error', message: e.message, frames: parseStack(e.stack ?? ''), stack: describeError(e) };
  }
  return { type: typeof e, message: String(e), frames: [], stack: String(e) };
}

export function buildReport(init: {
  kind: 'exception' | 'load';
  error: unknown;
  location?: Location | null;
  request: RequestSummary | null;
  environment: Environment;
}): ErrorReport {
  const chain = causeChain(init.error);
  // A load error arrives wrapped by the loader; the app's own error leads, as the user wrote it.
  if (init.kind === 'load' && chain.length > 1) chain.push(chain.shift());
  const exceptions = chain.map(exceptionInfo);
  const first = exceptions[0]!;
  const where = init.request ? ` at ${init.request.url}` : '';
  const loc = init.location ?? null;
  return {
    kind: init.kind,
    title: init.kind === 'load' ? `The app failed to load: ${first.type}` : `${first.type}${where}`,
    exceptions,
    location: loc ? { ...loc, context: codeContext(loc.file, loc.line, loc.column, 7) } : null,
    request: init.request ? { ...init.request, headers: maskHeaders(init.request.headers) } : null,
    environment: { ...init.environment, vars: maskSecrets(init.environment.vars) },
    time: new Date().toISOString(),
  };
}

function frameText(f: Frame): string {
  const head = `  at ${f.fn} (${f.file}:${f.line}:${f.column})`;
  if (!f.context) return head;
  return `${head}\n${contextText(f.context, '      ')}`;
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
  const out = [r.title, '', ...r.exceptions.flatMap((e, i) => [`${i ? laterLabel(r) : ''}${e.type}: ${e.message}`, ...e.frames.map(frameText), ''])];
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
export function laterLabel(r: ErrorReport): string {
  return r.kind === 'load' ? 'Reported as: ' : 'Caused by: ';
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
