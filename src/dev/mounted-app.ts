// In `narwhal dev`, a Connect-style app (Express 4/5, Connect, a router) is
// served as if mounted in a parent router whose `next` is Narwhal: the error no
// middleware handled reaches the debug page instead of the app's finalhandler.
// Created by dev-hooks.ts for --debug only; runs in a worker.

import type { IncomingMessage, ServerResponse } from 'node:http';
import { connectStyle, type LoadedApp, type MountedListener, type NodeListener } from '../app/loader.js';

const esc = (s: string): string => s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);

/** The status Express's finalhandler would answer with: the error's own 4xx/5xx, else the response's, else 500. */
export function errorStatus(err: unknown, res: ServerResponse): number {
  const e = err as { status?: unknown; statusCode?: unknown } | null;
  for (const s of [e?.status, e?.statusCode, res.statusCode]) if (typeof s === 'number' && s >= 400 && s <= 599) return s;
  return 500;
}

/** No route matched: the 404 finalhandler gives, so a client sees the same status and words in dev as in production. */
function notFound(req: IncomingMessage, res: ServerResponse): void {
  if (res.headersSent) {
    req.socket.destroy();
    return;
  }
  const target = (req as { originalUrl?: string }).originalUrl ?? req.url ?? '/';
  const body = `<!DOCTYPE html>\n<html lang="en">\n<head>\n<meta charset="utf-8">\n<title>Error</title>\n</head>\n<body>\n<pre>Cannot ${esc(req.method ?? 'GET')} ${esc(target.replace(/[?#].*$/, ''))}</pre>\n</body>\n</html>\n`;
  // An unread body would be parsed as the next request.
  if (!req.complete) res.shouldKeepAlive = false;
  req.resume();
  res.writeHead(404, {
    'content-type': 'text/html; charset=utf-8',
    'content-length': String(Buffer.byteLength(body)),
    'content-security-policy': "default-src 'none'",
    'x-content-type-options': 'nosniff',
  });
  res.end(req.method === 'HEAD' ? undefined : body);
}

/** The `next` Narwhal gives a mounted app: an error goes to `onError` with finalhandler's status noted; none is the 404. */
function finalNext(req: IncomingMessage, res: ServerResponse, statuses: WeakMap<object, number>, onError: (err: unknown) => void, done: () => void): (err?: unknown) => void {
  return (err) => {
    if (!err) {
      notFound(req, res);
      done();
      return;
    }
    if (typeof err === 'object') statuses.set(err, errorStatus(err, res));
    onError(err);
  };
}

/**
 * The app as the HTTP layer calls it: the returned promise rejects with the
 * error handed to the final `next`, so it takes the same path as a thrown
 * error (logged, then the debug page), with finalhandler's status kept in
 * `statuses` for the page. Apps that are not Connect-style are returned as they are.
 */
export function mountedApp(app: LoadedApp, statuses: WeakMap<object, number>): LoadedApp {
  if (app.kind !== 'node' || !app.mounted) return app;
  const mounted: MountedListener = app.mounted;
  const listener: NodeListener = (req, res) =>
    new Promise<void>((resolve, reject) => {
      res.once('close', () => resolve());
      mounted(req, res, finalNext(req, res, statuses, reject, resolve));
    });
  return { ...app, listener, name: `${app.name} (errors to the debug page)` };
}

/**
 * A script that called `app.listen()`: when its server's one request listener
 * is a Connect-style app, it is called the same way; anything else is forwarded as it is.
 */
export function mountedRequest(
  listeners: readonly unknown[],
  statuses: WeakMap<object, number>,
  onError: (err: unknown, req: IncomingMessage, res: ServerResponse) => void,
): ((req: IncomingMessage, res: ServerResponse, forward: NodeListener) => void) {
  const mounted = listeners.length === 1 ? connectStyle(listeners[0]) : undefined;
  if (!mounted) return (req, res, forward) => void forward(req, res);
  return (req, res) => {
    try {
      void mounted(req, res, finalNext(req, res, statuses, (err) => onError(err, req, res), () => {}));
    } catch (err) {
      onError(err, req, res);
    }
  };
}
