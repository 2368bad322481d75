// The seed's deployment line, translated (examples/seed/scripts/web.sh), run as
// a user would: through a `narwhal` on PATH, with PORT from the environment.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, symlinkSync } from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { BIN, Narwhal, ROOT, waitFor } from '../helpers/narwhal.js';
import { request } from '../helpers/http.js';

test('scripts/web.sh serves config/app.ts:application with one master and two workers', async () => {
  mkdirSync(path.join(ROOT, 'test-artifacts'), { recursive: true });
  const binDir = mkdtempSync(path.join(ROOT, 'test-artifacts', 'bin-'));
  symlinkSync(BIN, path.join(binDir, 'narwhal'));
  const n = new Narwhal([], {
    command: ['sh', path.join(ROOT, 'examples/seed/scripts/web.sh')],
    env: { PATH: `${binDir}:${path.dirname(process.execPath)}:${process.env.PATH}`, PORT: '0' },
  });
  const port = (await n.waitForLog(/Listening at: http:\/\/0\.0\.0\.0:(\d+)/))[1];
  await waitFor('two booted workers', () => n.bootedPids().length === 2);
  const url = `http://127.0.0.1:${port}`;
  const body = await waitFor('an answer', () => request(`${url}/orders`).then((r) => r.body, () => undefined));
  assert.equal(JSON.parse(body).app, 'seed');
  // exec: the script's process is the master.
  // A worker names itself once it has its boot message: wait for both.
  const workerTitles = () => execFileSync('ps', ['-o', 'pid=,args=', '--ppid', String(n.pid)], { encoding: 'utf8' });
  await waitFor('two named workers', () => (workerTitles().match(/narwhal: worker \[config\/app\.ts\]/g) ?? []).length === 2);
  assert.match(execFileSync('ps', ['-o', 'args=', '-p', String(n.pid)], { encoding: 'utf8' }), /narwhal: master \[config\/app\.ts\]/);
  assert.equal((await n.stop()).code, 0);
});
