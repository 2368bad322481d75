// The watchdog: a worker_threads thread inside each worker that answers the
// master on its own pipe, even while the worker's JavaScript thread is stuck.
// It pauses that thread through the inspector, reads its stack (source-mapped
// to the app's own lines) and the request it was serving. Started by watchdog.ts.
//
// CommonJS, and what only a capture needs (the inspector, source maps) is
// required by the first capture: the thread is an isolate of its own, with its
// own copy of every built-in it loads. Against the ESM thread that loaded them
// all at start, the thread alone in a fresh process holds 1.0 MB less on
// Node 20 (10.4 -> 9.4 MB) and 1.7 MB less on Node 24 (19.0 -> 17.3 MB).

import type { Session } from 'node:inspector';
import type { SourceMap } from 'node:module';
import net = require('node:net');
import { workerData } from 'node:worker_threads';
import type { RequestReport, WatchdogReport, WatchdogRequest } from '../ipc/messages.js';

/** The built-ins a capture needs, loaded by the first one. */
const captureKit = (() => {
  let kit: { Session: typeof Session; SourceMap: typeof SourceMap; readFileSync: typeof import('node:fs').readFileSync; fileURLToPath: typeof import('node:url').fileURLToPath } | null = null;
  return () =>
    (kit ??= {
      Session: (require('node:inspector') as typeof import('node:inspector')).Session,
      SourceMap: (require('node:module') as typeof import('node:module')).SourceMap,
      readFileSync: (require('node:fs') as typeof import('node:fs')).readFileSync,
      fileURLToPath: (require('node:url') as typeof import('node:url')).fileURLToPath,
    });
})();

interface Data {
  readonly fd: number;
  /** Float64Array[0]: when the worker's event loop last turned (epoch ms). */
  readonly loopTick: SharedArrayBuffer;
  /** The global symbol under which the worker exposes its in-flight requests. */
  readonly requestsKey: string;
}

interface Script {
  readonly url: string;
  readonly sourceMapURL: string;
}

interface CallFrame {
  readonly callFrameId: string;
  readonly functionName: string;
  readonly location: { readonly scriptId: string; readonly lineNumber: number; readonly columnNumber: number };
}

const BLOCKED_AFTER_MS = 300;
const PAUSE_DEADLINE_MS = 1000;
const MAX_FRAMES = 30;

const data = workerData as Data;
const tick = new Float64Array(data.loopTick);

function post<T>(session: Session, method: string, params?: object): Promise<T> {
  return new Promise((resolve, reject) => session.post(method, params ?? {}, (err, result) => (err ? reject(err) : resolve(result as T))));
}

function loadMap(script: Script): SourceMap | null {
  const { SourceMap, readFileSync, fileURLToPath } = captureKit();
  try {
    const { url, sourceMapURL } = script;
    if (sourceMapURL.startsWith('data:')) {
      const comma = sourceMapURL.indexOf(',');
      const raw = sourceMapURL.slice(comma + 1);
      const text = sourceMapURL.slice(0, comma).endsWith(';base64') ? Buffer.from(raw, 'base64').toString('utf8') : decodeURIComponent(raw);
      return new SourceMap(JSON.parse(text));
    }
    if (!url.startsWith('file:')) return null;
    return new SourceMap(JSON.parse(readFileSync(fileURLToPath(new URL(sourceMapURL, url)), 'utf8')));
  } catch {
    return null;
  }
}

const displayPath = (url: string): string => (url.startsWith('file:') ? captureKit().fileURLToPath(url) : url);

/** One frame as `at name (file:line:col)`, with the original source position when a source map knows it. */
function formatFrame(frame: CallFrame, scripts: Map<string, Script>, maps: Map<string, SourceMap | null>): string {
  const { scriptId, lineNumber, columnNumber } = frame.location;
  const script = scripts.get(scriptId);
  let where = `${displayPath(script?.url || '<anonymous>')}:${lineNumber + 1}:${columnNumber + 1}`;
  if (script?.sourceMapURL) {
    if (!maps.has(scriptId)) maps.set(scriptId, loadMap(script));
    const entry = maps.get(scriptId)?.findEntry(lineNumber, columnNumber) as { originalSource?: string; originalLine?: number; originalColumn?: number } | undefined;
    if (entry?.originalSource !== undefined && entry.originalLine !== undefined) {
      where = `${displayPath(new URL(entry.originalSource, script.url || undefined).href)}:${entry.originalLine + 1}:${(entry.originalColumn ?? 0) + 1}`;
    }
  }
  return `at ${frame.functionName || '<anonymous>'} (${where})`;
}

function parseRequests(value: unknown): { current: RequestReport | null; inFlight: RequestReport[] } {
  try {
    const parsed = JSON.parse(String(value)) as { current: RequestReport | null; inFlight: RequestReport[] };
    return { current: parsed.current ?? null, inFlight: parsed.inFlight ?? [] };
  } catch {
    return { current: null, inFlight: [] };
  }
}

const requestsExpression = `(() => { const f = globalThis[Symbol.for(${JSON.stringify(data.requestsKey)})]; return f ? f() : 'null'; })()`;

async function capture(req: WatchdogRequest): Promise<WatchdogReport> {
  const loopLagMs = Math.max(0, Date.now() - tick[0]!);
  const blocked = loopLagMs > BLOCKED_AFTER_MS;
  const base = { type: 'stack' as const, id: req.id, blocked, loopLagMs };
  const session = new (captureKit().Session)();
  session.connectToMainThread();
  try {
    if (!blocked && req.reason === 'dump') {
      // A turning loop has no stack worth showing; pausing would only catch a timer.
      const r = await post<{ result: { value?: unknown } }>(session, 'Runtime.evaluate', { expression: requestsExpression, returnByValue: true });
      return { ...base, frames: null, ...parseRequests(r.result.value) };
    }
    const scripts = new Map<string, Script>();
    session.on('Debugger.scriptParsed', (m) => scripts.set(m.params.scriptId, { url: m.params.url, sourceMapURL: m.params.sourceMapURL ?? '' }));
    const paused = new Promise<CallFrame[] | null>((resolve) => {
      const timer = setTimeout(() => resolve(null), PAUSE_DEADLINE_MS);
      session.once('Debugger.paused', (m) => {
        clearTimeout(timer);
        resolve(m.params.callFrames as unknown as CallFrame[]);
      });
    });
    await post(session, 'Debugger.enable');
    await post(session, 'Debugger.pause');
    const frames = await paused;
    if (!frames) return { ...base, frames: null, current: null, inFlight: [], error: 'the JavaScript thread did not pause' };
    const maps = new Map<string, SourceMap | null>();
    const shown = frames.slice(0, MAX_FRAMES).map((f) => formatFrame(f, scripts, maps));
    const r = await post<{ result: { value?: unknown } }>(session, 'Debugger.evaluateOnCallFrame', { callFrameId: frames[0]!.callFrameId, expression: requestsExpression, returnByValue: true, silent: true });
    await post(session, 'Debugger.resume');
    return { ...base, frames: shown, ...parseRequests(r.result.value) };
  } catch (err) {
    return { ...base, frames: null, current: null, inFlight: [], error: (err as Error).message };
  } finally {
    await post(session, 'Debugger.disable').catch(() => {});
    session.disconnect();
  }
}

const pipe = new net.Socket({ fd: data.fd, readable: true, writable: true });
let buffered = '';
// One capture at a time: two sessions pausing and resuming the same thread would interleave.
let queue: Promise<unknown> = Promise.resolve();
pipe.setEncoding('utf8').on('data', (chunk: string) => {
  buffered += chunk;
  for (let nl = buffered.indexOf('\n'); nl >= 0; nl = buffered.indexOf('\n')) {
    const line = buffered.slice(0, nl);
    buffered = buffered.slice(nl + 1);
    let req: WatchdogRequest;
    try {
      req = JSON.parse(line) as WatchdogRequest;
    } catch {
      continue;
    }
    if (req.type === 'capture') queue = queue.then(() => capture(req)).then((report) => pipe.write(`${JSON.stringify(report)}\n`));
  }
});
// The master closing its end means the worker is going away. The pipe stays
// referenced: it is what keeps this thread alive (the worker unrefs the thread).
pipe.on('error', () => {});
