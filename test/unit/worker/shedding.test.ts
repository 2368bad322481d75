import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { FetchContext, LoadedApp } from '../../../src/app/loader.js';
import { Shedder } from '../../../src/worker/shedding.js';

const ctx = {} as FetchContext;
const request = new Request('http://localhost/');

test('the budget closes that many responses, then none; an expired budget closes none', async () => {
  const shedder = new Shedder();
  const app = shedder.wrap({ kind: 'fetch', name: 't', handler: () => new Response('ok') }) as Extract<LoadedApp, { kind: 'fetch' }>;
  const fields = async () => (await app.handler(request, ctx)).headers.get('connection');
  assert.equal(await fields(), null, 'nothing asked');
  shedder.ask(2, 1000, Date.now());
  assert.deepEqual([await fields(), await fields(), await fields()], ['close', 'close', null]);
  shedder.ask(5, 1000, Date.now() - 2000);
  assert.equal(await fields(), null);
  assert.equal(shedder.pending, 0);
});

test('async handlers and responses with immutable fields are shed too, body intact', async () => {
  const shedder = new Shedder();
  const app = shedder.wrap({ kind: 'fetch', name: 't', handler: async () => Response.redirect('http://localhost/next', 302) }) as Extract<LoadedApp, { kind: 'fetch' }>;
  shedder.ask(1, 1000);
  const r = await app.handler(request, ctx);
  assert.equal(r.status, 302);
  assert.equal(r.headers.get('location'), 'http://localhost/next');
  assert.equal(r.headers.get('connection'), 'close');
});

test('a node-style app\'s response is marked before the app runs; HTTP/2 is left alone', () => {
  const shedder = new Shedder();
  const seen: unknown[] = [];
  const app = shedder.wrap({ kind: 'node', name: 't', listener: (_req, res) => seen.push(res.shouldKeepAlive) }) as Extract<LoadedApp, { kind: 'node' }>;
  const res = () => {
    const fields: Record<string, string> = {};
    return { shouldKeepAlive: true, setHeader: (k: string, v: string) => (fields[k] = v), fields };
  };
  shedder.ask(2, 1000);
  const h2 = res();
  app.listener({ httpVersionMajor: 2 } as never, h2 as never);
  const h1 = res();
  app.listener({ httpVersionMajor: 1 } as never, h1 as never);
  assert.deepEqual(seen, [true, false]);
  assert.equal(h1.fields['connection'], 'close');
  assert.equal(shedder.pending, 1, 'the HTTP/2 request did not spend the budget');
});
