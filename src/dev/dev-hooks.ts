// What --debug adds inside a worker: static files (--static), a note of each
// request's body as the app reads it, the debug error page for uncaught
// exceptions, and the app that stands in when the app fails to load. Created
// by worker/worker.ts only when debug is on; runs in a worker.

import type { IncomingMessage, ServerResponse } from 'node:http';
import type { LoadedApp } from '../app/loader.js';
import type { BodyTap, DirectDev } from '../http/fetch-connection.js';
import type { RequestHead } from '../http/head-rules.js';
import { environmentSnapshot } from '../config/env.js';
import type { Config } from '../config/settings.js';
import { VERSION } from '../version.js';
import { buildReport, negotiate, renderReport, type Environment, type RequestSummary } from './error-page.js';
import { findSyntaxError, locateError } from './stack.js';
import { answerAppError } from '../http/policy/error-answer.js';
import type { Logger } from '../log/logger.js';
import type { ListenDispatch } from '../worker/listen-serving.js';
import { LocalsCapture } from './locals.js';
import { mountedApp, mountedRequest } from './mounted-app.js';
import { staticHandler, staticResponder } from './static.js';

const PREVIEW_BYTES = 2048;
/** How long after the app is served the inspector session starts. */
const LOCALS_AFTER_MS = 500;

/** For node:http's path (intercept, renderError) and for the direct fetch path (DirectDev). */
export interface DevHooks extends DirectDev {
  /** Answers static-file requests and starts noting the request body; true when it answered. */
  intercept(req: IncomingMessage, res: ServerResponse): boolean;
  /** Answers an uncaught app error with the debug page. */
  renderError(err: unknown, req: IncomingMessage, res: ServerResponse): void;
  /** The app as served with --debug: a Connect-style app's unhandled errors come to renderError. */
  wrapApp(app: LoadedApp, logger: Logger): LoadedApp;
  /** The same for a script's own server (app.listen()): calls its request listener in place of `forward`. */
  listenDispatch(logger: Logger): ListenDispatch;
}

function environment(config: Config): Environment {
  return {
    node: process.version,
    narwhal: VERSION,
    pid: process.pid,
    platform: `${process.platform} ${process.arch}`,
    cwd: process.cwd(),
    argv: process.argv,
    app: config.app,
    vars: environmentSnapshot(),
  };
}

/** Notes how much of the body the app read, keeping its start, without taking data from the app. */
function tapBody(req: IncomingMessage, taps: WeakMap<IncomingMessage, BodyTap>): void {
  const tap: BodyTap = { bytes: 0, head: [], headBytes: 0 };
  taps.set(req, tap);
  const emit = req.emit;
  req.emit = function (this: IncomingMessage, event: string | symbol, ...args: unknown[]): boolean {
    if (event === 'data' && Buffer.isBuffer(args[0])) {
      const chunk = args[0];
      tap.bytes += chunk.length;
      if (tap.headBytes < PREVIEW_BYTES) {
        tap.head.push(chunk.subarray(0, PREVIEW_BYTES - tap.headBytes));
        tap.headBytes += Math.min(chunk.length, PREVIEW_BYTES - tap.headBytes);
      }
    }
    return emit.call(this, event, ...args);
  } as typeof req.emit;
}

function summarize(req: IncomingMessage, tap: BodyTap | undefined): RequestSummary {
  return summary(req.method ?? 'GET', req.url ?? '/', req.httpVersion, req.rawHeaders, tap);
}

function summary(method: string, target: string, httpVersion: string, raw: readonly string[], tap: BodyTap | undefined): RequestSummary {
  const field = (name: string): string | undefined => {
    for (let i = 0; i < raw.length; i += 2) if (raw[i]!.toLowerCase() === name) return raw[i + 1];
    return undefined;
  };
  const url = new URL(target.startsWith('/') ? target : '/', `http://${field('host') ?? 'localhost'}`);
  const headers: [string, string][] = [];
  for (let i = 0; i < raw.length; i += 2) headers.push([raw[i]!, raw[i + 1]!]);
  const declared = field('content-length');
  const hasBody = declared !== undefined || field('transfer-encoding') !== undefined;
  const head = tap ? Buffer.concat(tap.head) : Buffer.alloc(0);
  const textual = head.length > 0 && !head.includes(0);
  return {
    method,
    url: target,
    httpVersion,
    headers,
    query: [...url.searchParams.entries()],
    body: hasBody
      ? {
          contentType: field('content-type') ?? null,
          declaredLength: declared === undefined ? null : Number(declared),
          readBytes: tap?.bytes ?? 0,
          preview: textual ? head.toString('utf8') + (tap!.bytes > head.length ? ' …' : '') : null,
        }
      : null,
  };
}

function errorHeaders(contentType: string, body: string): Record<string, string> {
  return { 'content-type': contentType, 'content-length': String(Buffer.byteLength(body)), 'cache-control': 'no-store', connection: 'close' };
}

function send(req: IncomingMessage, res: ServerResponse, contentType: string, body: string, status = 500): void {
  res.shouldKeepAlive = false;
  res.writeHead(status, errorHeaders(contentType, body));
  res.end(req.method === 'HEAD' ? undefined : body);
}

export function createDevHooks(config: Config, cwd: string): DevHooks {
  const serveStatic = config.staticMounts.length ? staticHandler(config.staticMounts, cwd) : null;
  const respondStatic = config.staticMounts.length ? staticResponder(config.staticMounts, cwd) : null;
  const taps = new WeakMap<IncomingMessage, BodyTap>();
  // The status an Express app's own error handling would have answered (a 400 from a body parser stays a 400).
  const statuses = new WeakMap<object, number>();
  let locals: NodeJS.Timeout | LocalsCapture | null = null;
  // Not at import (a loader throws and catches as it resolves, and each pause costs) and not before the
  // worker is ready: Debugger.enable takes tens of milliseconds, which a reload must not wait for.
  const startLocals = (logger: Logger) => {
    locals ??= setTimeout(() => {
      const t = process.hrtime.bigint();
      locals = new LocalsCapture();
      logger.debug(`Worker ${process.pid} reads local variables for the debug page (inspector on in ${Math.round(Number(process.hrtime.bigint() - t) / 1e6)} ms)`);
    }, LOCALS_AFTER_MS).unref();
  };
  const hooks: DevHooks = {
    staticResponse(method, target, field) {
      return respondStatic?.(method, target, field) ?? null;
    },
    errorResponse(err, head: RequestHead, tap) {
      const request = summary(head.method, head.target, `${head.major}.${head.minor}`, head.headers, tap);
      const report = buildReport({ kind: 'exception', error: err, request, environment: environment(config) });
      const page = renderReport(report, negotiate(request.headers.find(([n]) => n.toLowerCase() === 'accept')?.[1]));
      return new Response(page.body, { status: 500, headers: errorHeaders(page.contentType, page.body) });
    },
    intercept(req, res) {
      if (serveStatic?.(req, res)) return true;
      tapBody(req, taps);
      return false;
    },
    renderError(err, req, res) {
      const report = buildReport({ kind: 'exception', error: err, request: summarize(req, taps.get(req)), environment: environment(config) });
      const page = renderReport(report, negotiate(req.headers.accept));
      send(req, res, page.contentType, page.body, (typeof err === 'object' && err !== null && statuses.get(err)) || 500);
    },
    listenDispatch(logger) {
      const onError = (err: unknown, req: IncomingMessage, res: ServerResponse) => answerAppError(err, req, res, logger, (e, q, s) => hooks.renderError(e, q, s));
      startLocals(logger);
      return (req, res, forward, listeners) => {
        mountedRequest(listeners, statuses, onError)(req, res, forward);
      };
    },
    wrapApp(app, logger) {
      startLocals(logger);
      return mountedApp(app, statuses);
    },
  };
  return hooks;
}

/** The app a worker serves when the real one failed to load: every request gets the load error. */
export function loadErrorApp(err: unknown, config: Config, files: readonly string[]): LoadedApp {
  const cause = (err as { cause?: unknown }).cause ?? err;
  const location = locateError(cause) ?? (cause instanceof SyntaxError ? findSyntaxError(files) : null);
  const listener = (req: IncomingMessage, res: ServerResponse): void => {
    const report = buildReport({ kind: 'load', error: err, location, request: summarize(req, undefined), environment: environment(config) });
    const page = renderReport(report, negotiate(req.headers.accept));
    req.resume();
    send(req, res, page.contentType, page.body);
  };
  return { kind: 'node', listener, name: `${config.app ?? 'app'} (failed to load)` };
}
