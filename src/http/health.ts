// The health endpoint (--health-path): the worker answers it itself, never the
// app, so a balancer or a Kubernetes probe sees whether this worker is taking
// requests. Created by HttpServer; runs in workers.

import type { IncomingMessage, ServerResponse } from 'node:http';

/** Answers the request when it is for `path`; false leaves it to the app. */
export type HealthResponder = (req: IncomingMessage, res: ServerResponse, draining: boolean) => boolean;

/** The health answer, for whichever HTTP path carries the request. */
export interface HealthAnswer {
  readonly status: number;
  /** Lower-case names. */
  readonly headers: Record<string, string>;
  readonly body: string;
  readonly close: boolean;
}

function isFor(target: string, path: string): boolean {
  return target === path || (target.startsWith(path) && target.charCodeAt(path.length) === 63 /* ? */);
}

/** The answer to a request for `target`, or null when it is not for the health path. */
export function healthAnswer(path: string, method: string, target: string, draining: boolean): HealthAnswer | null {
  if (!isFor(target, path)) return null;
  if (method !== 'GET' && method !== 'HEAD') {
    return { status: 405, headers: { allow: 'GET, HEAD', 'content-length': '0', 'cache-control': 'no-store' }, body: '', close: false };
  }
  // Draining: 503, and the connection closes after it, so a balancer holding
  // it open does not keep sending here.
  const body = draining ? 'draining\n' : 'OK\n';
  const headers: Record<string, string> = { 'content-type': 'text/plain; charset=utf-8', 'content-length': String(body.length), 'cache-control': 'no-store' };
  if (draining) headers['connection'] = 'close';
  return { status: draining ? 503 : 200, headers, body: method === 'HEAD' ? '' : body, close: draining };
}

export function healthResponder(path: string): HealthResponder {
  return (req, res, draining) => {
    const answer = healthAnswer(path, req.method ?? 'GET', req.url ?? '', draining);
    if (!answer) return false;
    if (answer.close) res.shouldKeepAlive = false;
    res.writeHead(answer.status, answer.headers);
    res.end(answer.body === '' ? undefined : answer.body);
    return true;
  };
}
