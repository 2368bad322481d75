// The trusted-proxy view left on node:http's request (scheme and client
// address), with the 400 for contradictory scheme headers; and the Date
// field's value, made once a second. Used by HttpServer in workers.

import type { IncomingMessage, ServerResponse } from 'node:http';
import { HttpError, refuseWith } from '../http-error.js';
import { ContradictorySchemeHeaders, FORWARDED_INFO, type ProxyTrust } from '../proxy-headers.js';

/** Leaves the request's scheme and client address on it; false when it was answered with a 400. */
export function applyForwarded(req: IncomingMessage, res: ServerResponse, proxy: ProxyTrust): boolean {
  try {
    const info = proxy.resolve(req);
    // A symbol-keyed, non-enumerable property: the one mark left on node:http's object.
    if (info) Object.defineProperty(req, FORWARDED_INFO, { value: info });
    return true;
  } catch (err) {
    // Behind the strict gate it answers these first; native listeners answer them here.
    if (!(err instanceof ContradictorySchemeHeaders)) throw err;
    refuseWith(res, new HttpError(400, err.message));
    return false;
  }
}

export class DateField {
  #second = -1;
  #text = '';

  now(): string {
    const now = Date.now();
    const second = Math.floor(now / 1000);
    if (second !== this.#second) {
      this.#second = second;
      this.#text = new Date(now).toUTCString();
    }
    return this.#text;
  }
}
