// Local variables for the debug page: with --debug, the worker's own inspector
// session pauses on each exception thrown while serving, reads the scope of the
// app's frames at the throw, and pins them on the error. Started by dev-hooks.ts; worker.

import { Session } from 'node:inspector';
import { fileURLToPath } from 'node:url';
import { isAppFile } from './stack.js';

/** The variables of one app frame at the throw, values as short descriptions. */
export interface FrameLocals {
  readonly file: string;
  readonly fn: string;
  readonly vars: readonly (readonly [string, string])[];
}

const KEY = Symbol.for('narwhal.dev.locals');
const MAX_FRAMES = 8;
const MAX_VARS = 30;
const MAX_VALUE = 160;
/** Each pause costs about a millisecond: an app that throws more often than this gets no locals for a while. */
const PAUSES_PER_SECOND = 50;
const COOL_DOWN_MS = 10_000;

interface RemoteObject {
  readonly type: string;
  readonly value?: unknown;
  readonly description?: string;
  readonly unserializableValue?: string;
  readonly objectId?: string;
}
interface CallFrame {
  readonly functionName: string;
  /** Empty in current V8: the script's URL comes from Debugger.scriptParsed. */
  readonly location: { readonly scriptId: string };
  readonly scopeChain: readonly { readonly type: string; readonly object: RemoteObject }[];
}

export function localsOf(err: unknown): readonly FrameLocals[] {
  return (err !== null && typeof err === 'object' && (err as Record<symbol, FrameLocals[] | undefined>)[KEY]) || [];
}

function describe(v: RemoteObject | undefined): string {
  if (!v) return '(unavailable)';
  const text = v.type === 'string' ? JSON.stringify(v.value) : v.unserializableValue ?? (v.type === 'undefined' ? 'undefined' : v.description ?? String(v.value));
  return text.length > MAX_VALUE ? `${text.slice(0, MAX_VALUE)}…` : text;
}

function appFile(url: string): string | null {
  if (!url.startsWith('file://')) return null;
  const file = fileURLToPath(url);
  return isAppFile(file) ? file : null;
}

export class LocalsCapture {
  readonly #session = new Session();
  /** Script id to the app file it is, or null for everything else (Node, node_modules, Narwhal). */
  readonly #files = new Map<string, string | null>();
  #window = 0;
  #pauses = 0;
  #cooling: NodeJS.Timeout | null = null;

  constructor() {
    this.#session.connect();
    // Debugger.enable reports every script already parsed, then each new one.
    this.#session.on('Debugger.scriptParsed', ({ params }) => this.#files.set(params.scriptId, appFile(params.url)));
    this.#session.on('Debugger.paused', ({ params }) => this.#onPause(params as { reason: string; data?: RemoteObject; callFrames: CallFrame[] }));
    this.#post('Debugger.enable');
    this.#pauseOn('all');
  }

  /** A same-thread session answers synchronously, which is what lets a pause be read and resumed in place. */
  #post<T = unknown>(method: string, params?: object): T | undefined {
    let out: T | undefined;
    this.#session.post(method, params, (err, result) => {
      if (!err) out = result as T;
    });
    return out;
  }

  #pauseOn(state: 'all' | 'none'): void {
    this.#post('Debugger.setPauseOnExceptions', { state });
  }

  #onPause(p: { reason: string; data?: RemoteObject; callFrames: CallFrame[] }): void {
    try {
      if (this.#overBudget()) return;
      if ((p.reason !== 'exception' && p.reason !== 'promiseRejection') || !p.data?.objectId || p.data.type !== 'object') return;
      const frames: FrameLocals[] = [];
      for (const f of p.callFrames) {
        const file = this.#files.get(f.location.scriptId);
        if (file) frames.push({ file, fn: f.functionName || '(anonymous)', vars: this.#vars(f) });
        if (frames.length >= MAX_FRAMES) break;
      }
      if (frames.length === 0) return;
      this.#post('Runtime.callFunctionOn', {
        objectId: p.data.objectId,
        // The first throw is where the variables tell the story; a rethrow keeps them.
        functionDeclaration: `function (l) { const k = Symbol.for(${JSON.stringify(KEY.description)}); if (!Object.prototype.hasOwnProperty.call(this, k)) Object.defineProperty(this, k, { value: l, configurable: true }); }`,
        arguments: [{ value: frames }],
      });
    } finally {
      this.#post('Debugger.resume');
    }
  }

  #vars(f: CallFrame): [string, string][] {
    const out: [string, string][] = [];
    for (const scope of f.scopeChain) {
      if (scope.type !== 'local' && scope.type !== 'block') break;
      const props = this.#post<{ result: { name: string; value?: RemoteObject }[] }>('Runtime.getProperties', { objectId: scope.object.objectId, ownProperties: true })?.result ?? [];
      for (const prop of props) if (out.length < MAX_VARS && !out.some(([n]) => n === prop.name)) out.push([prop.name, describe(prop.value)]);
    }
    return out;
  }

  #overBudget(): boolean {
    const second = Math.floor(Date.now() / 1000);
    if (second !== this.#window) [this.#window, this.#pauses] = [second, 0];
    if (++this.#pauses <= PAUSES_PER_SECOND) return false;
    this.#pauseOn('none');
    this.#cooling ??= setTimeout(() => {
      this.#cooling = null;
      this.#pauseOn('all');
    }, COOL_DOWN_MS).unref();
    return true;
  }
}
