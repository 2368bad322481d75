// Production --static: the node:http handler the worker hands HttpServer's
// `intercept` (and a listen() app's server), and the direct fetch path's
// counterpart. Created by worker/worker.ts; worker only.

import type { StaticMount } from '../config/value-types.js';
import { staticHandler, staticResponder } from './serve.js';

export const productionStatic = staticHandler;

/** For fetch-style apps served without node:http: static answers, and the plain 500 production gives an app error. */
export function productionDirect(mounts: readonly StaticMount[], cwd: string): { staticResponse: ReturnType<typeof staticResponder>; errorResponse: () => Response } {
  return {
    staticResponse: staticResponder(mounts, cwd),
    errorResponse: () =>
      new Response('Internal Server Error', { status: 500, headers: { 'content-type': 'text/plain; charset=utf-8', 'content-length': '21', connection: 'close' } }),
  };
}
