// Workers that leave by themselves: an orphan (its master SIGKILLed) and a
// worker after an uncaught exception both stop within --graceful-timeout
// whatever their clients hold; a crashed worker's replacement starts at once.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import path from 'node:path';
import { FIXTURES, alive, startServer, waitFor } from '../helpers/narwhal.js';
import { request } from '../helpers/http.js';

const APP = path.join(FIXTURES, 'crash-later.mjs');

/** A request the app holds for a minute: the drain has to wait for it (or give up). */
function holdRequest(url: string): { done: Promise<string> } {
  const done = new Promise<string>((resolve) => {
    const req = http.get(`${url}/slow?ms=60000`, { agent: false }, (res) => {
      res.resume();
      res.on('end', () => resolve(`status ${res.statusCode}`));
      res.on('error', () => resolve('cut'));
    });
    req.on('error', () => resolve('cut'));
  });
  return { done };
}

test('a worker orphaned by a SIGKILLed master, with a request in flight, exits at --graceful-timeout', async () => {
  const server = await startServer([APP, '-w', '1', '--graceful-timeout', '2']);
  const [worker] = server.readyPids();
  const held = holdRequest(server.url);
  await server.waitForLog(/slow request started/);
  server.signal('SIGKILL');
  const killedAt = Date.now();
  await waitFor('the orphan to exit', () => !alive(worker!), 15_000, 50);
  const took = Date.now() - killedAt;
  assert.ok(took >= 1500 && took < 6000, `exited ${took} ms after its master died (graceful timeout 2 s, request held 60 s)`);
  assert.equal(await held.done, 'cut');
});

test('an uncaught exception: logged once with its stack, replacement at once, old worker gone within --graceful-timeout', async () => {
  const server = await startServer([APP, '-w', '1', '--graceful-timeout', '3', '--keep-alive', '30']);
  const [old] = server.readyPids();
  // One client holds a request, another keeps sending on a kept-alive connection.
  const held = holdRequest(server.url);
  await server.waitForLog(/slow request started/);
  const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
  let sending = true;
  const chatter = (async () => {
    while (sending) await request(`${server.url}/`, { agent }).catch(() => null);
  })();
  try {
    const crashedAt = Date.now();
    assert.equal((await request(`${server.url}/crash`, { agent: false })).body, `crashing ${old}`);
    await server.waitForLog(new RegExp(`Worker ${old} is going down \\(uncaught exception: crashed on purpose`));
    const replacement = await waitFor('a replacement ready', () => server.readyPids().find((p) => p !== old));
    // Fresh clients are served by the replacement while the old worker is still draining.
    assert.ok(alive(old!), 'the old worker is still draining when its replacement serves');
    assert.equal((await request(`${server.url}/`, { agent: false })).body, String(replacement));
    await waitFor('the old worker to exit', () => !alive(old!), 15_000, 50);
    const took = Date.now() - crashedAt;
    assert.ok(took < 3000 + 2500, `the crashed worker took ${took} ms to exit (graceful timeout 3 s)`);
    assert.equal(server.count(/Uncaught exception in worker/), 1, 'logged once');
    assert.match(server.output, /Uncaught exception in worker; it will drain and exit\n.*TypeError: crashed on purpose \(fixture\)\n\s+at /);
    assert.equal(server.count(/and again \(fixture\)/), 0, 'the later exceptions are counted, not logged');
    assert.equal(await held.done, 'cut');
  } finally {
    sending = false;
    await chatter;
    agent.destroy();
    await server.stop();
  }
});
