// The health endpoint (--health-path): the worker answers it itself, never the
// app, so a balancer or a Kubernetes probe sees whether this worker is taking
// requests. Created by HttpServer; runs in workers.

import type { IncomingMessage, ServerResponse } from 'node:http';

/** Answers the request when it is for `path`; false leaves it to the app. */
export type HealthResponder = (req: IncomingMessage, res: ServerResponse, draining: boolean) => boolean;

function isFor(target: string, path: string): boolean {
  return target === path || (target.startsWith(path) && target.charCodeAt(path.length) === 63 /* ? */);
}

export function healthResponder(path: string): HealthResponder {
  return (req, res, draining) => {
    if (!isFor(req.url ?? '', path)) return false;
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.writeHead(405, { allow: 'GET, HEAD', 'content-length': '0', 'cache-control': 'no-store' });
      res.end();
      return true;
    }
    // Draining: 503, and the connection closes after it, so a balancer holding
    // it open does not keep sending here.
    const body = draining ? 'draining\n' : 'OK\n';
    const headers: Record<string, string> = { 'content-type': 'text/plain; charset=utf-8', 'content-length': String(body.length), 'cache-control': 'no-store' };
    if (draining) {
      headers['connection'] = 'close';
      res.shouldKeepAlive = false;
    }
    res.writeHead(draining ? 503 : 200, headers);
    res.end(req.method === 'HEAD' ? undefined : body);
    return true;
  };
}
