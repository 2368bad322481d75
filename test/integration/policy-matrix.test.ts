// One suite of request policies run on every way a request can reach an app:
// {fetch-style, node-style} x {plain HTTP/1.1 (strict and native parser), TLS
// HTTP/1.1, HTTP/2}. Each cell is a real narwhal with one worker; each policy
// is checked once per cell: the health answer, the trusted-proxy view, the
// error answer, the access record, request.signal and the response stream
// when the client leaves, request.body.cancel(), and the graceful drain.

import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import http from 'node:http';
import http2 from 'node:http2';
import https from 'node:https';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { makeCerts } from '../helpers/certs.js';
import { FIXTURES, startServer, waitFor, type Server } from '../helpers/narwhal.js';

type Transport = 'plain' | 'tls' | 'h2';
interface Cell {
  readonly kind: 'fetch' | 'node';
  readonly transport: Transport;
  readonly parser: 'strict' | 'native';
}
interface Reply {
  readonly status: number;
  readonly body: string;
}
interface CallOptions {
  readonly method?: string;
  readonly headers?: Record<string, string>;
  readonly body?: Buffer;
}

const CELLS: readonly Cell[] = (['fetch', 'node'] as const).flatMap((kind) => [
  { kind, transport: 'plain', parser: 'strict' },
  { kind, transport: 'plain', parser: 'native' },
  { kind, transport: 'tls', parser: 'strict' },
  { kind, transport: 'h2', parser: 'strict' },
]);

const certs = makeCerts();
const ca = readFileSync(certs.caCert);
const name = (c: Cell) => `${c.kind}-style, ${c.transport === 'h2' ? 'HTTP/2' : c.transport === 'tls' ? 'TLS HTTP/1.1' : `plain HTTP/1.1, ${c.parser} parser`}`;

function call(t: Transport, port: number, target: string, opts: CallOptions = {}): Promise<Reply> {
  if (t === 'h2') return call2(port, target, opts);
  return new Promise((resolve, reject) => {
    const options = { host: '127.0.0.1', port, path: target, method: opts.method ?? 'GET', headers: opts.headers ?? {}, agent: false as const, ca };
    const req = (t === 'tls' ? https : http).request(options, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode!, body: Buffer.concat(chunks).toString('utf8') }));
      res.on('error', reject);
    });
    req.setTimeout(10_000, () => req.destroy(new Error(`${target} timed out`)));
    req.on('error', reject);
    req.end(opts.body);
  });
}

function call2(port: number, target: string, opts: CallOptions): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const session = http2.connect(`https://127.0.0.1:${port}`, { ca });
    session.on('error', reject);
    const stream = session.request({ ':path': target, ':method': opts.method ?? 'GET', ...opts.headers });
    const chunks: Buffer[] = [];
    let status = 0;
    stream.on('response', (h) => (status = Number(h[':status'])));
    stream.on('data', (c: Buffer) => chunks.push(c));
    stream.on('end', () => {
      session.close();
      resolve({ status, body: Buffer.concat(chunks).toString('utf8') });
    });
    stream.on('error', (err) => (session.destroy(), reject(err)));
    stream.setTimeout(10_000, () => stream.close(http2.constants.NGHTTP2_CANCEL));
    stream.end(opts.body);
  });
}

/** Reads the first chunk of `target`'s body, then leaves: the connection closed, or (HTTP/2) the stream reset. */
function leaveAfterFirstChunk(t: Transport, port: number, target: string): Promise<void> {
  return new Promise((resolve, reject) => {
    if (t === 'h2') {
      const session = http2.connect(`https://127.0.0.1:${port}`, { ca });
      session.on('error', reject);
      const stream = session.request({ ':path': target });
      stream.once('data', () => {
        stream.close(http2.constants.NGHTTP2_CANCEL);
        // The session stays: only the stream is reset, as a browser leaving a page does.
        setImmediate(() => resolve());
        setTimeout(() => session.close(), 2000).unref();
      });
      stream.on('error', () => {});
      return;
    }
    const req = (t === 'tls' ? https : http).get({ host: '127.0.0.1', port, path: target, agent: false, ca }, (res) => {
      res.once('data', () => {
        req.destroy();
        resolve();
      });
    });
    req.on('error', () => {});
  });
}

for (const cell of CELLS) {
  describe(`policies, ${name(cell)}`, () => {
    let server: Server;
    const tlsArgs = cell.transport === 'plain' ? [] : ['--certfile', certs.serverCert, '--keyfile', certs.serverKey];
    const get = (target: string, opts?: CallOptions) => call(cell.transport, server.port, target, opts);
    before(async () => {
      server = await startServer([
        path.join(FIXTURES, `policy-${cell.kind}.mjs`),
        '-w', '1',
        '--http-parser', cell.parser,
        '--health-path', '/healthz',
        '--forwarded-allow-ips', '127.0.0.1',
        '--access-logfile', '-',
        '--access-logformat', 'ACCESS %(U)s %(s)s %(B)s',
        ...tlsArgs,
      ]);
    });
    after(async () => {
      await server?.stop();
    });

    test('the health path is answered by the worker, not the app', async () => {
      const r = await get('/healthz');
      assert.deepEqual(r, { status: 200, body: 'OK\n' });
    });

    test('a trusted proxy sets the client address and scheme the app sees', async () => {
      const r = await get('/who', { headers: { 'x-forwarded-for': '203.0.113.7', 'x-forwarded-proto': 'https' } });
      assert.equal(r.status, 200);
      const seen = JSON.parse(r.body) as { scheme: string; client: string };
      assert.deepEqual([seen.client, seen.scheme], ['203.0.113.7', 'https']);
    });

    test('an app error is a 500 page, logged with its stack, and the worker lives on', async () => {
      const pid = (JSON.parse((await get('/who')).body) as { pid: number }).pid;
      const r = await get('/throw');
      assert.equal(r.status, 500);
      assert.doesNotMatch(r.body, /policy boom/, 'the error is not shown to the client');
      await server.waitForLog(new RegExp(`policy boom from a ${cell.kind} app\\n\\s+at `));
      assert.equal((JSON.parse((await get('/who')).body) as { pid: number }).pid, pid);
    });

    test('one access record per request, with its status and size', async () => {
      const target = `/access-${cell.kind}-${cell.transport}`;
      assert.equal((await get(target)).body, 'ok');
      await server.waitForLog(new RegExp(`ACCESS ${target} 200 2\\b`));
      // A later request's record proves the first one is not written twice after it.
      await get('/healthz');
      await server.waitForLog(/ACCESS \/healthz 200 3\b/);
      assert.equal(server.count(new RegExp(`ACCESS ${target} `)), 1);
    });

    if (cell.kind === 'fetch') {
      test('the client leaving aborts request.signal and cancels the response stream', async () => {
        await leaveAfterFirstChunk(cell.transport, server.port, '/stream');
        const state = await waitFor('the abort and the cancel', async () => {
          const s = JSON.parse((await get('/state')).body) as { aborted: number; cancelled: number };
          return s.aborted >= 1 && s.cancelled >= 1 ? s : undefined;
        }, 5000).catch(async (err: Error) => assert.fail(`${err.message}: last state ${(await get('/state')).body}`));
        assert.deepEqual(state, { aborted: 1, cancelled: 1 });
      });

      test('request.body.cancel() in the app does not take the worker down', async () => {
        const pid = (JSON.parse((await get('/who')).body) as { pid: number }).pid;
        // Many chunks: the cancelled stream is offered more of them after the cancel.
        const r = await get('/cancel-body', { method: 'POST', body: Buffer.alloc(4 * 1024 * 1024, 120) }).catch((err: Error) => ({ status: 0, body: err.message }));
        assert.ok(r.status === 200 || r.status === 0, `answered ${r.status} ${r.body}`);
        assert.equal((JSON.parse((await get('/who')).body) as { pid: number }).pid, pid);
        assert.equal(server.count(/Uncaught exception|Unhandled promise rejection|ERR_INVALID_STATE/), 0, server.output.slice(-3000));
      });
    }

    test('TERM during a slow request: it completes, then the server exits', async () => {
      const slow = get('/slow?ms=1500');
      await server.waitForLog(/slow request started/);
      server.signal('SIGTERM');
      assert.deepEqual(await slow, { status: 200, body: 'slow done' });
      assert.equal((await server.exited).code, 0);
    });
  });
}
