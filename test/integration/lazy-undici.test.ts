// Node's undici (the global Request and Response: 10-18 MB a worker) is loaded
// only when the app needs it: never for a node-style app, and for a
// fetch-style app with the light classes only once it reaches for something
// only Node's classes have (Node 20: on Node 24, whose globals are lazy data
// properties, installing the light classes loads it; see
// src/http/fetch/node-shape.ts). What the app sees before and after is Node's shape.

import assert from 'node:assert/strict';
import path from 'node:path';
import { spawnSync } from 'node:child_process';
import { test } from 'node:test';
import { request } from '../helpers/http.js';
import { FIXTURES, startServer } from '../helpers/narwhal.js';

/** Node 20 defines the global Request as a getter (installing over it loads nothing); Node 24 as a lazy data property. */
const GETTER_GLOBALS = spawnSync(process.execPath, ['-p', "typeof Object.getOwnPropertyDescriptor(globalThis, 'Request').get"], { encoding: 'utf8' }).stdout.trim() === 'function';

test('a node-style app never loads undici', async () => {
  const server = await startServer([path.join(FIXTURES, 'undici-probe-node.mjs'), '--interface', 'node']);
  try {
    assert.equal((await request(`${server.url}/`)).body, 'false');
  } finally {
    await server.stop();
  }
});

test('a fetch-style app with the light classes loads undici when it needs Node\'s classes, and sees their shape', async () => {
  const server = await startServer([path.join(FIXTURES, 'undici-probe.mjs'), '--interface', 'fetch']);
  try {
    const lazy = GETTER_GLOBALS;
    assert.equal((await request(`${server.url}/loaded`)).body, String(!lazy), 'after a plain text Response');
    const look = JSON.parse((await request(`${server.url}/first-look`)).body) as { before: Record<string, unknown>; after: Record<string, unknown> };
    assert.deepEqual(look.before, { name: 'Response', length: 0, statics: ['error', 'json', 'length', 'name', 'prototype', 'redirect'], instance: true, then: false, loaded: !lazy });
    assert.deepEqual(look.after, { tag: '[object Response]', bytes: typeof (new Response('') as { bytes?: unknown }).bytes, type: 'default', loaded: true });
    assert.equal((await request(`${server.url}/headers`, { headers: { 'x-probe': 'seen' } })).body, 'seen true');
  } finally {
    await server.stop();
  }
});
