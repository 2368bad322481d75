import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { Config } from '../../../src/config/settings.js';
import { LogSink, Logger } from '../../../src/log/logger.js';
import { MasterResources } from '../../../src/master/master-resources.js';
import { Upgrade } from '../../../src/master/exec-upgrade.js';

function setup(t: { after: (fn: () => void) => void }): { dir: string; resources: MasterResources; lines: string[] } {
  const dir = mkdtempSync(path.join(tmpdir(), 'master-resources-'));
  const sink = new LogSink(path.join(dir, 'error.log'), 2);
  t.after(() => (sink.close(), rmSync(dir, { recursive: true, force: true })));
  const lines: string[] = [];
  const logger = new Logger(sink, 'debug', [(level, message) => lines.push(`${level} ${message}`)]);
  return { dir, resources: new MasterResources(new Upgrade(null, logger), logger), lines };
}

const config = (over: Partial<Config>): Config => ({ bind: [], umask: 0o22, certfile: null, pidfile: null, ctlSocket: null, ...over }) as unknown as Config;

test('opened one by one, closed together: pidfile removed, sockets closed and their files gone', async (t) => {
  const { dir, resources, lines } = setup(t);
  const pidfile = path.join(dir, 'narwhal.pid');
  const sock = path.join(dir, 'app.sock');
  resources.createPidfile(pidfile, 0o22);
  assert.equal(readFileSync(pidfile, 'utf8'), `${process.pid}\n`);
  await resources.openListeners(config({ bind: [`unix:${sock}`, '127.0.0.1:0'], certfile: '/made/up.pem' }), null);
  assert.equal(resources.listeners.length, 2);
  assert.ok(existsSync(sock));
  assert.equal(lines[0], `info Listening at: unix:${sock} (${process.pid})`);
  assert.match(lines[1]!, new RegExp(`^info Listening at: https://127\\.0\\.0\\.1:\\d+ \\(${process.pid}\\)$`), 'TLS shows as https');
  resources.close();
  assert.equal(resources.listeners.length, 0);
  assert.equal(existsSync(sock), false);
  assert.equal(existsSync(pidfile), false);
});

test('sockets handed over are adopted as they are, not bound', async (t) => {
  const { resources, lines } = setup(t);
  await resources.openListeners(config({ bind: ['127.0.0.1:1'] }), { from: 'systemd', fds: [3], labels: ['http://0.0.0.0:80'] });
  assert.deepEqual(resources.listeners.map((l) => [l.fd, l.label]), [[3, 'http://0.0.0.0:80']]);
  assert.deepEqual(lines, [`info Listening at: http://0.0.0.0:80 (${process.pid})`]);
});

test('taking over renames the pidfile; a failure is logged, not thrown', (t) => {
  const { dir, resources, lines } = setup(t);
  const from = path.join(dir, 'narwhal.pid.2');
  const to = path.join(dir, 'narwhal.pid');
  resources.createPidfile(from, 0o22);
  resources.takeOver(config({ pidfile: to }));
  assert.equal(existsSync(from), false);
  assert.equal(readFileSync(to, 'utf8'), `${process.pid}\n`);
  resources.takeOver(config({ pidfile: path.join(dir, 'no-such-dir', 'narwhal.pid') }));
  assert.match(lines.at(-1)!, /^error Taking over from the old master: cannot rename pidfile/);
  resources.close();
  assert.equal(existsSync(to), false, 'the pidfile under its new name is removed at exit');
});
