// The config's preRequest/postRequest hooks around a fetch handler, and the
// upgrade-field test the connection policy reads. Used by HttpServer in workers.

import type { FetchHandler } from '../../app/loader.js';
import type { RequestHooks } from '../server.js';

/** Wraps a fetch handler so the request hooks see the Request and the status. */
export function withHooks(handler: FetchHandler, hooks: RequestHooks): FetchHandler {
  return async (request, ctx) => {
    hooks.preRequest?.(request);
    const response = await handler(request, ctx);
    hooks.postRequest?.(request, response instanceof Response ? response.status : 500);
    return response;
  };
}

/** Reads rawHeaders rather than req.headers, which node:http builds only when first asked. */
export function hasUpgradeField(raw: readonly string[]): boolean {
  for (let i = 0; i < raw.length; i += 2) if (raw[i]!.length === 7 && raw[i]!.toLowerCase() === 'upgrade') return true;
  return false;
}

