// Living with the host: --daemon, and systemd's Type=notify protocol.
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { after, test } from 'node:test';
import { FIXTURES, ROOT, alive, runNarwhal, startServer, waitFor } from '../helpers/narwhal.js';
import { request } from '../helpers/http.js';

function scratch(): string {
  mkdirSync(path.join(ROOT, 'test-artifacts'), { recursive: true });
  return mkdtempSync(path.join(ROOT, 'test-artifacts', 'host-'));
}

const has = (cmd: string) => spawnSync('sh', ['-c', `command -v ${cmd}`]).status === 0;

test('--daemon returns at once and leaves a master running in its own session', async () => {
  const dir = scratch();
  const pidfile = path.join(dir, 'narwhal.pid');
  const log = path.join(dir, 'error.log');
  const r = await runNarwhal([path.join(FIXTURES, 'hello.ts'), '--daemon', '--pid', pidfile, '--error-logfile', log, '--bind', '127.0.0.1:0']);
  assert.equal(r.code, 0, r.output);
  assert.equal(r.output, '');
  const pid = await waitFor('the pidfile', () => (existsSync(pidfile) ? Number(readFileSync(pidfile, 'utf8')) || undefined : undefined));
  after(() => {
    if (alive(pid)) process.kill(pid, 'SIGKILL');
  });
  const port = await waitFor('the port', () => readFileSync(log, 'utf8').match(/Listening at: http:\/\/127\.0\.0\.1:(\d+)/)?.[1]);
  const body = await waitFor('an answer', () => request(`http://127.0.0.1:${port}/`).then((x) => x.body, () => undefined));
  assert.match(body, /^hello \d+ \/$/);
  // A new session: the master leads its own process group, away from the terminal's.
  const sid = spawnSync('ps', ['-o', 'sid=', '-p', String(pid)], { encoding: 'utf8' }).stdout.trim();
  assert.equal(Number(sid), pid);
  process.kill(pid, 'SIGTERM');
  await waitFor('the daemon to stop', () => !alive(pid));
  assert.equal(existsSync(pidfile), false);
});

test('Type=notify: READY, WATCHDOG, RELOADING then READY on HUP, STOPPING on TERM', { skip: has('systemd-notify') && has('python3') ? false : 'needs systemd-notify and python3' }, async () => {
  const dir = scratch();
  const socket = path.join(dir, 'notify.sock');
  // Node.js has no unix datagram sockets; Python listens as systemd would.
  const listener = spawn('python3', ['-u', '-c', `import socket,sys\ns=socket.socket(socket.AF_UNIX,socket.SOCK_DGRAM)\ns.bind(sys.argv[1])\nprint('listening',flush=True)\ns.settimeout(60)\nwhile True:\n  d=s.recv(65536)\n  print(d.decode().replace('\\n','|'),flush=True)\n`, socket], { stdio: ['ignore', 'pipe', 'inherit'] });
  after(() => listener.kill());
  let got = '';
  listener.stdout!.setEncoding('utf8').on('data', (d: string) => (got += d));
  await waitFor('the notify listener', () => got.includes('listening'));
  const s = await startServer([path.join(FIXTURES, 'env.ts')], { env: { NOTIFY_SOCKET: socket, WATCHDOG_USEC: '400000' } });
  // The socket is the master's: a worker (or the app) must not notify systemd.
  assert.equal((await request(`${s.url}/?name=NOTIFY_SOCKET`)).body, '(unset)');
  await waitFor('READY=1', () => /READY=1\|STATUS=Serving with 1 workers/.test(got));
  await waitFor('a watchdog ping', () => /WATCHDOG=1/.test(got));
  assert.match(got, new RegExp(`MAINPID=${s.pid}`));
  s.signal('SIGHUP');
  await waitFor('RELOADING then READY', () => /RELOADING=1\|MONOTONIC_USEC=\d+\|STATUS=Reloading[\s\S]*READY=1/.test(got));
  await s.stop();
  await waitFor('STOPPING=1', () => /STOPPING=1/.test(got));
});
