// The faster Request/Response classes for fetch-style apps, and the seam the
// fetch adapter uses. The worker calls installLightClasses() once, before the
// app is imported, when `fetch_classes = light`; the adapter then calls
// makeRequest() per request and readResponse() on what the app returned.
// Runs in workers only; the master never loads it.
//
// API for the adapter:
// - installLightClasses(scope = globalThis): replaces Request, Response and
//   fetch in `scope` (fetch so that it accepts a light Request and returns
//   Responses of the installed class). Idempotent; returns what it replaced.
// - makeRequest(method, url, rawHeaders, source): the app's Request. `url`
//   is absolute; `rawHeaders` flat [name, value, ...] (`:`-names skipped);
//   `source` a BodySource whose body() is called only when the app reads the
//   body (never for GET and HEAD) and whose signal() only when it reads `signal`.
//   With the light classes not installed it returns Node's own Request. A
//   method Node's Request refuses (CONNECT, TRACE, a bad token) throws its TypeError.
// - readResponse(value): status, statusText, headers (flat, lower-case, each
//   Set-Cookie apart) and body (string | Uint8Array | ReadableStream | null) of a
//   Response of either kind, or null when `value` is no Response. A light
//   Response is never turned into Node's for this; its plain body counts as
//   read, as Node's would after the server streamed it.

import { flatHeaders } from './header-pairs.js';
import { captureNodeRequest, handoffRequest, isLightRequest, LightRequest, makeIncoming, NodeRequest, type BodySource } from './light-request.js';
import { captureNodeResponse, isLightResponse, LightResponse, NodeResponse, readLightParts, wrapResponse, type ResponseParts } from './light-response.js';

export type { BodySource } from './light-request.js';
export { isLightResponse } from './light-response.js';
export type { ResponseParts } from './light-response.js';

// NodeRequest and NodeResponse stand for Node's classes, read when first used: reading them loads Node's undici.
const nodeFetch = globalThis.fetch;

/** The classes in place before installLightClasses() ran (Node's own; each read when first used). */
export const NODE_CLASSES = { Request: NodeRequest, Response: NodeResponse, fetch: nodeFetch } as const;

type FetchFn = typeof globalThis.fetch;

/** Node's fetch, taking a light Request and answering with the installed Response class. */
function lightFetch(input: RequestInfo | URL, init?: RequestInit): Promise<Response> {
  const source = isLightRequest(input) ? handoffRequest(input) : input;
  return nodeFetch(source, init).then(wrapResponse);
}
Object.defineProperty(lightFetch, 'name', { value: nodeFetch.name });
Object.defineProperty(lightFetch, 'length', { value: nodeFetch.length });

export interface InstalledScope {
  Request: typeof Request;
  Response: typeof Response;
  fetch: FetchFn;
}

/** Swaps the globals (property attributes kept); returns what was there before. */
export function installLightClasses(scope: InstalledScope = globalThis): InstalledScope {
  // Node's globals are not read here: reading Request or Response loads undici.
  if (scope === globalThis) {
    captureNodeRequest();
    captureNodeResponse();
  }
  const before = scope === globalThis ? { ...NODE_CLASSES } : { Request: scope.Request, Response: scope.Response, fetch: scope.fetch };
  const replace = (key: keyof InstalledScope, value: unknown) => {
    const desc = Object.getOwnPropertyDescriptor(scope, key) ?? { writable: true, enumerable: false, configurable: true };
    // Node's lazy getter would have left a writable value with the getter's enumerable and configurable.
    Object.defineProperty(scope, key, { writable: desc.writable ?? true, enumerable: desc.enumerable, configurable: desc.configurable, value });
  };
  replace('Request', LightRequest);
  replace('Response', LightResponse);
  replace('fetch', lightFetch);
  return before;
}

/** True when `scope` holds the light classes. */
export function lightClassesInstalled(scope: InstalledScope = globalThis): boolean {
  return scope.Response === (LightResponse as unknown as typeof Response);
}

/** The Request handed to the app; see the API notes at the top of this file. */
export function makeRequest(
  method: string,
  url: string,
  rawHeaders: readonly string[],
  body: BodySource | null,
  scope: InstalledScope = globalThis,
): Request {
  if (lightClassesInstalled(scope)) return makeIncoming({ method, url, rawHeaders, body });
  const headers = new Headers();
  for (let i = 0; i < rawHeaders.length; i += 2) if (rawHeaders[i]!.charCodeAt(0) !== 58) headers.append(rawHeaders[i]!, rawHeaders[i + 1]!);
  const init: RequestInit & { duplex?: 'half' } = { method, headers };
  if (body) init.signal = body.signal();
  const stream = body && method !== 'GET' && method !== 'HEAD' ? body.body() : null;
  if (stream) {
    init.body = stream;
    init.duplex = 'half';
  }
  return new NodeRequest(url, init);
}

/** What to send for `value`; null when it is no Response (the adapter answers 500). */
export function readResponse(value: unknown): ResponseParts | null {
  if (isLightResponse(value)) return readLightParts(value);
  if (!(value instanceof NodeResponse)) return null;
  return { status: value.status, statusText: value.statusText, headers: flatHeaders(value.headers), body: value.body };
}
