// Runs every probe of the Node-internals catalogue (src/http/node-internals.ts)
// on this Node, against a real node:http connection on 127.0.0.1: CI runs it on
// Node 20 and 24, so a Node upgrade that breaks an internal fails here first.

import assert from 'node:assert/strict';
import { once } from 'node:events';
import http, { type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { describe, it } from 'node:test';
import { missingAtStart, NODE_INTERNALS, type ProbeSamples } from '../../../src/http/node-internals.js';

const MAJOR = Number(process.versions.node.split('.')[0]);

/** Calls `use` with a plain node:http server's connection while its response is being written. */
async function withSamples(use: (samples: ProbeSamples) => void): Promise<void> {
  let failure: unknown = null;
  const server = http.createServer((req, res: ServerResponse) => {
    res.writeHead(200, { 'content-type': 'text/plain' });
    res.write('x');
    try {
      use({ connection: req.socket as Socket, response: res, listening: server });
    } catch (err) {
      failure = err;
    }
    res.end();
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  try {
    const res = await fetch(`http://127.0.0.1:${(server.address() as AddressInfo).port}/`);
    assert.equal(await res.text(), 'x');
  } finally {
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }
  if (failure) throw failure;
}

describe('Node internals catalogue', () => {
  it(`every internal expected on Node ${MAJOR} is there`, async () => {
    const missing: string[] = [];
    const unexpected: string[] = [];
    await withSamples((samples) => {
      for (const internal of NODE_INTERNALS) {
        const has = internal.needs === 'connection' ? internal.probe(samples) : internal.probe();
        if (internal.expected(MAJOR) && !has) missing.push(`${internal.name} (${internal.usedBy}): ${internal.fallback}`);
        // One expected gone on this Node (undici's symbols on 22+): if it is back, the catalogue should say so.
        if (!internal.expected(MAJOR) && has) unexpected.push(internal.name);
      }
    });
    assert.deepEqual(missing, [], `missing on ${process.version}`);
    assert.deepEqual(unexpected, [], `present on ${process.version} though not expected`);
  });

  it('a worker warns of nothing at start on this Node', () => {
    assert.deepEqual(missingAtStart(), []);
  });

  it('every entry names its user and its fallback', () => {
    assert.ok(NODE_INTERNALS.length >= 10);
    for (const internal of NODE_INTERNALS) {
      assert.ok(internal.usedBy.length > 0 && internal.fallback.length > 0, internal.name);
    }
  });
});
