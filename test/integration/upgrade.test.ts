// USR2 live upgrade under load: a new master on the same sockets, its pidfile
// at <pidfile>.2 until the old master is gone, WINCH stopping the old master's
// workers, TERM to the old master leaving the new one serving. And systemd
// socket activation, which hands sockets over the same way.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { BIN, FIXTURES, alive, runNarwhal, startServer, waitFor } from '../helpers/narwhal.js';
import { startLoad } from '../helpers/load.js';
import { request } from '../helpers/http.js';

const ECHO = path.join(FIXTURES, 'echo.mjs');

test('USR2 + WINCH + TERM upgrade the master under load without a failed request', async () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'narwhal-upgrade-'));
  const pidfile = path.join(dir, 'narwhal.pid');
  const ctlSocket = path.join(dir, 'ctl.sock');
  const hookLog = path.join(dir, 'hooks.log');
  const config = path.join(dir, 'narwhal.config.mjs');
  writeFileSync(config, `import { appendFileSync } from 'node:fs';\nexport default { preExec: () => appendFileSync(${JSON.stringify(hookLog)}, 'preExec ' + process.pid + '\\n') };\n`);
  const server = await startServer([ECHO, '--workers', '2', '--pid', pidfile, '--ctl-socket', ctlSocket, '-c', config], { workers: 2 });
  const load = startLoad(server.url, { concurrency: 4, maxMs: 60_000 });
  let newMaster = 0;
  try {
    await waitFor('load running', () => load.ok > 20);
    const oldWorkers = server.readyPids();
    server.signal('SIGUSR2');
    const m = await server.waitForLog(/started a new master with pid (\d+)/);
    newMaster = Number(m[1]);
    assert.equal(readFileSync(hookLog, 'utf8'), `preExec ${server.pid}\n`, 'the preExec hook ran in the old master before the new one started');
    await waitFor('the new master pidfile', () => existsSync(`${pidfile}.2`) && Number(readFileSync(`${pidfile}.2`, 'utf8')) === newMaster);
    assert.equal(Number(readFileSync(pidfile, 'utf8')), server.pid);
    await waitFor('the new control socket', () => existsSync(`${ctlSocket}.2`));
    await waitFor('4 workers ready', () => server.readyPids().length >= 4);
    const newWorkers = server.readyPids().filter((p) => !oldWorkers.includes(p));

    server.signal('SIGWINCH');
    await waitFor('old workers gone', () => oldWorkers.every((p) => !alive(p)));
    const before = load.ok;
    await waitFor('served by the new workers', () => load.ok > before + 20);
    assert.ok(newWorkers.includes(Number((await request(server.url)).body)));

    server.signal('SIGTERM');
    // Not `exited`: the new master holds the same stdout, so the pipes stay open.
    await waitFor('the old master exited', () => server.proc.exitCode !== null);
    assert.equal(server.proc.exitCode, 0);
    await waitFor('the new master takes over the pidfile', () => existsSync(pidfile) && Number(readFileSync(pidfile, 'utf8')) === newMaster && !existsSync(`${pidfile}.2`));
    const after = load.ok;
    await waitFor('still serving', () => load.ok > after + 20);
    await waitFor('the control socket taken over', () => existsSync(ctlSocket) && !existsSync(`${ctlSocket}.2`));
    const stats = await runNarwhal(['ctl', '--ctl-socket', ctlSocket, 'stats']);
    assert.equal((JSON.parse(stats.output) as { master: { pid: number } }).master.pid, newMaster);
  } finally {
    const result = await load.stop();
    if (newMaster && alive(newMaster)) {
      process.kill(newMaster, 'SIGTERM');
      await waitFor('the new master stopped', () => !alive(newMaster));
    }
    await server.stop();
    rmSync(dir, { recursive: true, force: true });
    assert.deepEqual(result.failures, []);
  }
});

test('systemd socket activation: LISTEN_FDS sockets are served', async () => {
  // Play systemd: bind a socket and hand it over as fd 3 with LISTEN_PID set to the child.
  const listener = net.createServer();
  await new Promise<void>((r) => listener.listen(0, '127.0.0.1', r));
  const port = (listener.address() as net.AddressInfo).port;
  const fd = (listener as unknown as { _handle: { fd: number } })._handle.fd;
  // LISTEN_PID must name the process itself, so a shell sets it before exec.
  const child = spawn('/bin/sh', ['-c', `LISTEN_PID=$$ exec "${process.execPath}" "${BIN}" "${ECHO}" --log-level debug`], {
    env: { ...process.env, LISTEN_FDS: '1', NARWHAL_CMD_ARGS: '', PORT: '' },
    stdio: ['ignore', 'pipe', 'pipe', fd],
    detached: true,
  });
  let output = '';
  child.stdout!.setEncoding('utf8').on('data', (d: string) => (output += d));
  child.stderr!.setEncoding('utf8').on('data', (d: string) => (output += d));
  listener.close();
  try {
    await waitFor(`a ready worker in:\n${output}`, () => /Worker \d+ is ready/.test(output));
    assert.match(output, /Listening at: fd:\/\/3/);
    const reply = await request(`http://127.0.0.1:${port}/`);
    assert.equal(reply.status, 200);
  } finally {
    process.kill(-child.pid!, 'SIGTERM');
    await new Promise((r) => child.once('close', r));
  }
});
