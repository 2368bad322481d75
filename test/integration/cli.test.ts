// The command line as a user meets it: help, version, mistakes, precedence.
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import { once } from 'node:events';
import path from 'node:path';
import { describe, test } from 'node:test';
import { SETTINGS } from '../../src/config/settings.js';
import { FIXTURES, ROOT, runNarwhal } from '../helpers/narwhal.js';

/** A scratch project inside the repo, so `import 'narwhal-server'` resolves as in a user's project. */
function tempDir(files: Record<string, string>): string {
  mkdirSync(path.join(ROOT, 'test-artifacts'), { recursive: true });
  const dir = mkdtempSync(path.join(ROOT, 'test-artifacts', 'cli-'));
  for (const [name, text] of Object.entries(files)) writeFileSync(path.join(dir, name), text);
  return dir;
}

/** The `name = value  (origin)` lines of --print-config, as a map. */
function printed(output: string): Map<string, { value: string; origin: string }> {
  const map = new Map<string, { value: string; origin: string }>();
  for (const line of output.split('\n')) {
    const m = /^(\w+)\s+= (.*)  \(([^)]+)\)$/.exec(line);
    if (m) map.set(m[1]!, { value: m[2]!, origin: m[3]! });
  }
  return map;
}

describe('narwhal command line', () => {
  test('--help fits one screen: the common settings first, with their defaults, PORT and WEB_CONCURRENCY', async () => {
    const r = await runNarwhal(['--help']);
    assert.equal(r.code, 0);
    const lines = r.output.trimEnd().split('\n');
    assert.ok(lines.length <= 40, `${lines.length} lines:\n${r.output}`);
    assert.ok(lines.every((l) => l.length <= 100), 'no line wider than 100 columns');
    const at = (s: string) => {
      const i = r.output.indexOf(s);
      assert.ok(i >= 0, `help shows ${s}`);
      return i;
    };
    const order = ['-b, --bind ADDRESS', '-w, --workers INT', '-t, --timeout SECONDS', '--reload', '--access-logfile FILE', '--error-logfile', '--log-level'].map(at);
    assert.deepEqual(order, [...order].sort((a, b) => a - b), 'bind, workers, timeout, reload, logs, in that order');
    at('[default: 127.0.0.1:8000, or 0.0.0.0:$PORT]');
    at('[default: 1, or $WEB_CONCURRENCY]');
    at('[default: 30]');
    assert.match(r.output, /^ {2}PORT +Sets the default bind to 0\.0\.0\.0:\$PORT/m);
    assert.match(r.output, /^ {2}WEB_CONCURRENCY +Sets the default number of workers/m);
    assert.match(r.output, /narwhal --help-all/);
    assert.doesNotMatch(r.output, /--limit-request-line/, 'parser knobs wait for --help-all');
  });

  test('--help-all lists every flag of the settings table, by section, with defaults', async () => {
    const r = await runNarwhal(['--help-all']);
    assert.equal(r.code, 0);
    for (const s of Object.values(SETTINGS)) for (const f of s.cli) assert.ok(r.output.includes(f), `--help-all shows ${f}`);
    for (const s of ['Server socket:', 'Worker processes:', 'Logging:', '-R, --enable-stdio-inheritance', '--worker-tmp-dir DIR', '--backlog INT', '[default: 2048]', '-v, --version']) {
      assert.ok(r.output.includes(s), `--help-all shows ${s}`);
    }
  });

  test('--port, a flag other servers have: one line pointing at --bind and PORT, exit 2', async () => {
    const r = await runNarwhal(['app.ts', '--port', '3000']);
    assert.equal(r.code, 2);
    assert.equal(r.output.trim().split('\n').length, 1, r.output);
    assert.match(r.output, /unknown option --port .*--bind 127\.0\.0\.1:3000.*PORT=3000/);
  });

  test('a config file takes Gunicorn\'s names and the flags\' spellings; --print-config shows the key it takes', async () => {
    const dir = tempDir({ 'narwhal.config.mjs': 'export default { health_path: "/h", accessLogfile: "-", errorLogfile: "err.log", raw_env: { A: "1" }, graceful_timeout: 5 };\n' });
    const r = await runNarwhal(['--print-config'], { cwd: dir });
    assert.equal(r.code, 0, r.output);
    const c = printed(r.output);
    assert.deepEqual(c.get('healthPath'), { value: '/h', origin: 'config file' });
    assert.deepEqual(c.get('accesslog'), { value: '-', origin: 'config file' });
    assert.deepEqual(c.get('errorlog'), { value: 'err.log', origin: 'config file' });
    assert.deepEqual(c.get('rawEnv'), { value: 'A=1', origin: 'config file' });
    assert.deepEqual(c.get('gracefulTimeout'), { value: '5', origin: 'config file' });
    assert.equal(c.get('health_path'), undefined, 'one name per setting in the output');
  });

  test('one setting under two spellings in a config file: one line, exit 2', async () => {
    const dir = tempDir({ 'narwhal.config.mjs': 'export default { healthPath: "/a", health_path: "/b" };\n' });
    const r = await runNarwhal(['--print-config'], { cwd: dir });
    assert.equal(r.code, 2);
    assert.equal(r.output.trim().split('\n').length, 1, r.output);
    assert.match(r.output, /"healthPath" and "health_path" in narwhal\.config\.mjs are the same setting/);
  });

  test('a config file importing the old name gets the package\'s real name', async () => {
    const dir = tempDir({ 'narwhal.config.ts': "import { defineConfig } from 'narwhal';\nexport default defineConfig({ workers: 2 });\n" });
    const r = await runNarwhal(['--print-config'], { cwd: dir });
    assert.equal(r.code, 2);
    assert.match(r.output, /imports 'narwhal': the package is named narwhal-server/);
  });

  test('--version and -v print the version', async () => {
    for (const flag of ['--version', '-v']) {
      const r = await runNarwhal([flag]);
      assert.equal(r.code, 0);
      assert.match(r.output, /^narwhal \d+\.\d+\.\d+ \(Node\.js v\d+/);
    }
  });

  test('a typo in a flag: one line with a suggestion, exit 2, nothing started', async () => {
    const r = await runNarwhal(['--wrkers', '2']);
    assert.equal(r.code, 2);
    assert.equal(r.output.trim().split('\n').length, 1, r.output);
    assert.match(r.output, /unknown option --wrkers.*did you mean --workers\?/);
    assert.doesNotMatch(r.output, /Starting narwhal|at .*\.js/);
  });

  test('a bad value: one line naming flag and reason, exit 2', async () => {
    for (const args of [['--workers', 'two'], ['-w0'], ['--timeout', '-3'], ['--bind', '[::1:80'], ['--log-level', 'loud'], ['--umask', '999']]) {
      const r = await runNarwhal(args);
      assert.equal(r.code, 2, `${args.join(' ')}: ${r.output}`);
      assert.equal(r.output.trim().split('\n').length, 1, r.output);
      assert.match(r.output, /^narwhal: error: invalid value/);
    }
  });

  test('a flag without its value is a usage error', async () => {
    const r = await runNarwhal(['--workers']);
    assert.equal(r.code, 2);
    assert.match(r.output, /--workers needs a value/);
  });

  test('an unknown config key: one line with "did you mean", exit 2', async () => {
    const dir = tempDir({ 'narwhal.config.ts': 'export default { wrokers: 2 };\n' });
    const r = await runNarwhal(['--print-config'], { cwd: dir });
    assert.equal(r.code, 2);
    assert.equal(r.output.trim().split('\n').length, 1, r.output);
    assert.match(r.output, /unknown setting "wrokers" in narwhal\.config\.ts \(did you mean workers\?\)/);
  });

  test('a bad value in the config file names the key and the file', async () => {
    const dir = tempDir({ 'narwhal.config.mjs': 'export default { workers: "many" };\n' });
    const r = await runNarwhal(['--print-config'], { cwd: dir });
    assert.equal(r.code, 2);
    assert.match(r.output, /invalid value "many" for "workers" in narwhal\.config\.mjs: must be a whole number/);
  });

  test('precedence: defaults < env < config file < NARWHAL_CMD_ARGS < command line', async () => {
    const dir = tempDir({
      'narwhal.config.ts': [
        "import { defineConfig } from 'narwhal-server';",
        'export default defineConfig({ workers: 3, keepalive: 7, timeout: 50, loglevel: "warning", rawEnv: { A: "1" } });',
      ].join('\n'),
    });
    const r = await runNarwhal(['--print-config', '-w5', '--log-level=error'], {
      cwd: dir,
      env: { NARWHAL_CMD_ARGS: '--workers 4 --timeout "10" -e B=2', WEB_CONCURRENCY: '9', PORT: '9999' },
    });
    assert.equal(r.code, 0, r.output);
    const c = printed(r.output);
    assert.deepEqual(c.get('workers'), { value: '5', origin: 'command line' });
    assert.deepEqual(c.get('loglevel'), { value: 'error', origin: 'command line' });
    assert.deepEqual(c.get('timeout'), { value: '10', origin: 'NARWHAL_CMD_ARGS' });
    assert.deepEqual(c.get('rawEnv'), { value: 'B=2', origin: 'NARWHAL_CMD_ARGS' });
    assert.deepEqual(c.get('keepalive'), { value: '7', origin: 'config file' });
    assert.deepEqual(c.get('bind'), { value: '0.0.0.0:9999', origin: 'env' });
    assert.deepEqual(c.get('gracefulTimeout'), { value: '30', origin: 'default' });
    assert.equal(c.get('config')?.origin, 'config file');
  });

  test('WEB_CONCURRENCY sets the default worker count; an explicit bind beats PORT', async () => {
    const r = await runNarwhal(['--print-config', '--bind', '127.0.0.1:7000', '-b', 'unix:/tmp/x.sock'], { env: { WEB_CONCURRENCY: '3', PORT: '8123' } });
    const c = printed(r.output);
    assert.deepEqual(c.get('workers'), { value: '3', origin: 'env' });
    assert.deepEqual(c.get('bind'), { value: '127.0.0.1:7000, unix:/tmp/x.sock', origin: 'command line' });
  });

  test('--name=value and --name value, and Gunicorn short forms, all parse', async () => {
    const r = await runNarwhal(['--print-config', '--graceful-timeout=12', '--keep-alive', '5', '-t', '9', '-n', 'shop', '-m', '007', '-R', '--capture-output', '--preload', '--interface=node', '-p', 'x.pid', '--chdir', '/tmp']);
    assert.equal(r.code, 0, r.output);
    const c = printed(r.output);
    assert.equal(c.get('gracefulTimeout')?.value, '12');
    assert.equal(c.get('keepalive')?.value, '5');
    assert.equal(c.get('timeout')?.value, '9');
    assert.equal(c.get('procName')?.value, 'shop');
    assert.equal(c.get('umask')?.value, '0o007');
    assert.equal(c.get('enableStdioInheritance')?.value, 'true');
    assert.equal(c.get('captureOutput')?.value, 'true');
    assert.equal(c.get('preloadApp')?.value, 'true');
    assert.equal(c.get('interface')?.value, 'node');
    assert.equal(c.get('pidfile')?.value, 'x.pid');
  });

  test('-c names a config file; a missing one is an error', async () => {
    const dir = tempDir({ 'prod.mjs': 'export default { workers: 6 };\n' });
    const ok = await runNarwhal(['--print-config', '-c', path.join(dir, 'prod.mjs')]);
    assert.equal(printed(ok.output).get('workers')?.value, '6');
    const missing = await runNarwhal(['-c', path.join(dir, 'nope.ts')]);
    assert.equal(missing.code, 2);
    assert.match(missing.output, /config file .*nope\.ts does not exist/);
  });

  test('--check-config loads the config and the app: 0 when good, 4 when the app is broken', async () => {
    const good = await runNarwhal(['--check-config', path.join(FIXTURES, 'hello.ts')]);
    assert.equal(good.code, 0, good.output);
    assert.match(good.output, /config OK.*fetch-style/);
    const bad = await runNarwhal(['--check-config', path.join(FIXTURES, 'crash-on-boot.ts')]);
    assert.equal(bad.code, 4, bad.output);
  });

  test('--check-config on a listen() script says what it asks for and binds nothing: 0; a script that never listens: 4', async () => {
    // The port is taken: a check that really bound it would fail with EADDRINUSE.
    const held = net.createServer().listen(0, '127.0.0.1');
    await once(held, 'listening');
    const port = (held.address() as net.AddressInfo).port;
    try {
      const r = await runNarwhal(['--check-config', path.join(FIXTURES, 'listen-http.mjs')], { env: { APP_PORT: String(port) } });
      assert.equal(r.code, 0, r.output);
      assert.match(r.output, new RegExp(`config OK; app .*listen-http\\.mjs\\S* is a listen\\(\\) script \\(it asks for port ${port}; workers serve it on --bind\\)`));
      assert.doesNotMatch(r.output, /app says: listening|EADDRINUSE/);
    } finally {
      held.close();
    }
    const late = await runNarwhal(['--check-config', path.join(FIXTURES, 'listen-late.mjs')]);
    assert.equal(late.code, 0, late.output);
    assert.match(late.output, /is a listen\(\) script \(it asks for [^;]+; workers serve it on --bind\)/);
    const never = await runNarwhal(['--check-config', '--boot-timeout', '1', path.join(FIXTURES, 'listen-never.mjs')]);
    assert.equal(never.code, 4, never.output);
    assert.match(never.output, /^narwhal: error: the module .*listen-never\.mjs\S* exports no app and called listen\(\) on no server within --boot-timeout 1 s/m);
    assert.doesNotMatch(never.output, /\n\s+at /);
  });

  test('settings that cannot go together are refused with one line', async () => {
    const r = await runNarwhal(['--print-config', '--certfile', 'cert.pem', '--proxy-protocol', 'v1']);
    assert.equal(r.code, 2);
    assert.equal(r.output.trim().split('\n').length, 1, r.output);
    assert.match(r.output, /--proxy-protocol cannot be combined with --certfile/);
  });

  test('a missing app module: one line and exit 4 before anything is bound or booted', async () => {
    const r = await runNarwhal([path.join(FIXTURES, 'no-such-app.ts'), '--bind', '127.0.0.1:0']);
    assert.equal(r.code, 4, r.output);
    assert.equal(r.output.trim().split('\n').length, 1, r.output);
    assert.match(r.output, /^narwhal: error: cannot find the app module ".*no-such-app\.ts"/);
    assert.doesNotMatch(r.output, /Listening at|Booting worker/);
  });

  test('two apps on the command line are refused', async () => {
    const r = await runNarwhal(['a.ts', 'b.ts']);
    assert.equal(r.code, 2);
    assert.match(r.output, /expected one app/);
  });
});
