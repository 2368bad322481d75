// Decides an app value's contract (fetch-style or node-style) and, when the
// choice was a guess from the function's shape, checks the guess on the calls
// and says which rule chose it and which setting overrides it. Used by loader.ts.

import type { IncomingMessage, ServerResponse } from 'node:http';

export type Interface = 'auto' | 'fetch' | 'node' | 'listen';

export interface Choice {
  readonly kind: 'fetch' | 'node';
  /** True when the shape of a plain function decided it (a guess the first calls check). */
  readonly guessed: boolean;
  /** The rule, for the message when the guess fails. */
  readonly rule: string;
}

const hasFetchMethod = (v: unknown): boolean =>
  v !== null && (typeof v === 'object' || typeof v === 'function') && typeof (v as { fetch?: unknown }).fetch === 'function';

/** `(...args)`: a function that declares only a rest parameter says nothing by its length (Astro's handler). */
function restOnly(fn: (...a: unknown[]) => unknown): boolean {
  const src = Function.prototype.toString.call(fn);
  return /^(async\s+)?(function\s*[\w$]*\s*)?\(\s*\.\.\.[\w$]+\s*\)/.test(src);
}

/** The names of a function's parameters as its source spells them ('' for a destructured one). */
export function parameterNames(fn: Function): string[] {
  const src = Function.prototype.toString.call(fn);
  const list = /^(?:async\s*)?(?:function\s*\*?\s*[\w$]*\s*|[\w$]+\s*)?\(([^)]*)\)/.exec(src)?.[1] ?? /^(?:async\s+)?([\w$]+)\s*=>/.exec(src)?.[1];
  if (list === undefined || list.trim() === '') return [];
  return list.split(',').map((p) => /^\s*([\w$]+)/.exec(p)?.[1] ?? '');
}

/** What a second parameter's name says: `(req, res)` is node-style, `(request, ctx)` fetch-style (React Router's handler). */
const NODE_SECOND = /^_*(res|resp|response|reply|serverResponse)$/i;
const FETCH_SECOND = /^_*(ctx|context|env|info|server|\w*Context)$/i;

function byParameterNames(fn: (...a: unknown[]) => unknown): Choice | null {
  const second = parameterNames(fn)[1];
  if (!second) return null;
  if (NODE_SECOND.test(second)) return { kind: 'node', guessed: true, rule: `a function whose second parameter is named "${second}" is taken as a (req, res) listener` };
  if (FETCH_SECOND.test(second)) return { kind: 'fetch', guessed: true, rule: `a function whose second parameter is named "${second}" is taken as fetch(request, ctx)` };
  return null;
}

export function chooseInterface(value: unknown, iface: Interface): Choice | null {
  const isFn = typeof value === 'function';
  if (iface === 'fetch') return hasFetchMethod(value) || isFn ? { kind: 'fetch', guessed: false, rule: '--interface fetch' } : null;
  if (iface === 'node') return isFn ? { kind: 'node', guessed: false, rule: '--interface node' } : null;
  if (hasFetchMethod(value)) return { kind: 'fetch', guessed: false, rule: 'an object with a fetch method is fetch-style' };
  if (!isFn) return null;
  const fn = value as (...a: unknown[]) => unknown;
  const named = byParameterNames(fn);
  if (named) return named;
  if (restOnly(fn)) return { kind: 'node', guessed: true, rule: 'a function taking only (...args) is taken as a (req, res) listener' };
  if (fn.length >= 2) return { kind: 'node', guessed: true, rule: `a function declaring ${fn.length} parameters is taken as a (req, res) listener` };
  return { kind: 'fetch', guessed: true, rule: `a function declaring ${fn.length} parameter${fn.length === 1 ? '' : 's'} is taken as fetch(request)` };
}

/** The contract alone, for callers that need no rule. */
export function detectInterface(value: unknown, iface: Interface): 'fetch' | 'node' | null {
  return chooseInterface(value, iface)?.kind ?? null;
}

const isThenable = (v: unknown): v is PromiseLike<unknown> => v !== null && typeof v === 'object' && typeof (v as { then?: unknown }).then === 'function';

/** A guessed fetch handler that returns no Response is a node listener (or a bug): the error says so. */
export function checkedFetch<C>(handler: (request: Request, ctx: C) => Response | Promise<Response>, shown: string, rule: string): (request: Request, ctx: C) => Response | Promise<Response> {
  const wrong = (got: unknown) =>
    new TypeError(
      `the app ${shown} returned ${got === undefined ? 'undefined' : typeof got}, not a Response. It was taken as fetch-style because ${rule}; if it is a (req, res) listener, run with --interface node`,
    );
  const check = (r: unknown): Response => {
    if (r instanceof Response) return r;
    throw wrong(r);
  };
  return (request, ctx) => {
    const out = handler(request, ctx);
    return isThenable(out) ? Promise.resolve(out).then(check) : check(out);
  };
}

/**
 * A guessed node listener that returns a Response, or throws before answering,
 * may be a fetch handler taking (request, ctx): once, the log says which rule
 * chose node-style and which setting overrides it.
 */
export function checkedNode(listener: (req: IncomingMessage, res: ServerResponse) => unknown, shown: string, rule: string, warn: (message: string) => void = (m) => process.emitWarning(m)): (req: IncomingMessage, res: ServerResponse) => unknown {
  let said = false;
  const hint = (what: string) => {
    if (said) return;
    said = true;
    warn(`the app ${shown} ${what}. It was taken as node-style because ${rule}; if it is a fetch handler (request, ctx), run with --interface fetch`);
  };
  const look = (r: unknown, res: ServerResponse) => {
    if (r instanceof Response) {
      hint('returned a Response');
      if (!res.headersSent) {
        res.statusCode = 500;
        res.end();
      }
    }
  };
  return (req, res) => {
    let out: unknown;
    try {
      out = listener(req, res);
    } catch (err) {
      if (!res.headersSent) hint(`threw before answering (${err instanceof Error ? err.message : String(err)})`);
      throw err;
    }
    if (isThenable(out)) {
      Promise.resolve(out).then(
        (r) => look(r, res),
        (err: unknown) => {
          if (!res.headersSent) hint(`rejected before answering (${err instanceof Error ? err.message : String(err)})`);
        },
      );
    } else look(out, res);
    return out;
  };
}
