// A bounded load generator for tests: N concurrent loops over keep-alive
// connections (node:http Agent), alternating GETs and POSTs, counting what
// succeeded and what failed. Always stopped by the test (and by its deadline).

import http from 'node:http';

export interface LoadResult {
  readonly ok: number;
  readonly failures: readonly string[];
  /** Worker pids seen in the answers (the fixture answers with its pid). */
  readonly pids: ReadonlySet<number>;
}

export interface Load {
  /** Stops the loops after their current request; resolves with the tally. */
  stop(): Promise<LoadResult>;
  /** Successful requests so far. */
  readonly ok: number;
  readonly failures: readonly string[];
}

function once(agent: http.Agent, url: string, n: number, contentType?: string): Promise<string> {
  const post = n % 2 === 1;
  const body = post ? `payload-${n}` : undefined;
  return new Promise((resolve, reject) => {
    const req = http.request(url, { agent, method: post ? 'POST' : 'GET', headers: body ? { 'content-length': String(body.length), ...(contentType ? { 'content-type': contentType } : {}) } : {} }, (res) => {
      let text = '';
      res.setEncoding('utf8').on('data', (d: string) => (text += d));
      res.on('end', () => {
        if (res.statusCode !== 200) return reject(new Error(`status ${res.statusCode}: ${text}`));
        if (post && !text.endsWith(`:${body}`)) return reject(new Error(`bad echo: ${text}`));
        resolve(text);
      });
      res.on('error', reject);
    });
    req.setTimeout(10_000, () => req.destroy(new Error('request timed out')));
    req.on('error', (e) => reject(process.env.LOAD_DEBUG ? new Error(`${e.message} (local port ${req.socket?.localPort}, reused ${req.reusedSocket})`) : e));
    req.end(body);
  });
}

/** Starts `concurrency` loops against `url`; they stop at `stop()` or after `maxMs`. */
/** `contentType` goes on the POSTs (SvelteKit reads no body without one). `pauseMs` paces each loop (a steady load below saturation); it is the load's shape, not a wait for anything. */
export function startLoad(url: string, opts: { concurrency?: number; maxMs?: number; path?: string; pauseMs?: number; contentType?: string } = {}): Load {
  const agent = new http.Agent({ keepAlive: true, maxSockets: opts.concurrency ?? 8 });
  const deadline = Date.now() + (opts.maxMs ?? 60_000);
  const failures: string[] = [];
  const pids = new Set<number>();
  let ok = 0;
  let stopped = false;
  let n = 0;
  const loop = async (): Promise<void> => {
    while (!stopped && Date.now() < deadline) {
      try {
        const text = await once(agent, url + (opts.path ?? '/'), n++, opts.contentType);
        ok++;
        pids.add(Number.parseInt(text, 10));
      } catch (e) {
        failures.push((e as Error).message); if (process.env.LOAD_DEBUG) console.error(Date.now(), "FAIL", (e as Error).message);
      }
      if (opts.pauseMs) await new Promise((r) => setTimeout(r, opts.pauseMs));
    }
  };
  const loops = Array.from({ length: opts.concurrency ?? 8 }, loop);
  return {
    get ok() {
      return ok;
    },
    get failures() {
      return failures;
    },
    async stop() {
      stopped = true;
      await Promise.all(loops);
      agent.destroy();
      return { ok, failures, pids };
    },
  };
}
