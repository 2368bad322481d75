// Measures `narwhal dev`: from saving a file of a small TypeScript app to the
// new code answering, over a number of edits, plus where a worker's boot time
// goes. Usage: npm run build && node scripts/bench-reload.mjs [edits]

import { spawn, spawnSync } from 'node:child_process';
import { cpSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const edits = Number(process.argv[2] ?? 20);
const dir = mkdtempSync(path.join(tmpdir(), 'narwhal-bench-reload-'));
cpSync(path.join(root, 'test/fixtures/apps/dev-app'), dir, { recursive: true });

const get = (url) =>
  new Promise((resolve) => {
    const req = http.get(url, { agent: false }, (res) => {
      let body = '';
      res.setEncoding('utf8').on('data', (d) => (body += d)).on('end', () => resolve(body));
    });
    req.on('error', () => resolve(null));
  });

const child = spawn(process.execPath, [path.join(root, 'dist/bin/narwhal.js'), 'dev', '--bind', '127.0.0.1:0', 'app.ts'], { cwd: dir, stdio: ['ignore', 'pipe', 'pipe'] });
let log = '';
child.stdout.on('data', (d) => (log += d));
child.stderr.on('data', (d) => (log += d));
const waitLog = async (re, ms = 20_000) => {
  const end = Date.now() + ms;
  while (!re.test(log)) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${re}:\n${log}`);
    await new Promise((r) => setTimeout(r, 5));
  }
  return log.match(re);
};

try {
  const port = (await waitLog(/Listening at: http:\/\/127\.0\.0\.1:(\d+)/))[1];
  await waitLog(/Watching \d+ files/);
  const url = `http://127.0.0.1:${port}/`;
  const latencies = [];
  for (let i = 1; i <= edits; i++) {
    const t0 = performance.now();
    writeFileSync(path.join(dir, 'message.ts'), `export const message: string = 'version ${i}';\n`);
    for (;;) {
      const body = await get(url);
      if (body?.trim() === `version ${i}`) break;
      if (performance.now() - t0 > 10_000) throw new Error(`edit ${i} never answered:\n${log}`);
    }
    latencies.push(performance.now() - t0);
    // Let the old worker finish retiring, as a person pauses between saves (the warm standby is ready again).
    await new Promise((r) => setTimeout(r, 500));
  }
  latencies.sort((a, b) => a - b);
  const q = (p) => latencies[Math.min(latencies.length - 1, Math.floor(p * latencies.length))].toFixed(0);
  const reported = [...log.matchAll(/Reloaded in (\d+) ms/g)].map((m) => Number(m[1]));
  console.log(`Node ${process.version}, ${edits} edits of a small TypeScript app (narwhal dev, 1 worker)`);
  console.log(`save -> new code answering: min ${q(0)} ms, median ${q(0.5)} ms, p90 ${q(0.9)} ms, max ${q(1)} ms`);
  reported.sort((a, b) => a - b);
  console.log(`master's "Reloaded in" (change seen -> new worker ready): median ${reported[Math.floor(reported.length / 2)]} ms, p90 ${reported[Math.floor(reported.length * 0.9)]} ms`);
  if (process.env.BENCH_VERBOSE) console.log(latencies.map((l) => l.toFixed(0)).join(" "), "\n", reported.join(" "));
} finally {
  child.kill('SIGTERM');
}

// Where a worker's boot goes: a bare Node start, then loading tsx, then the app.
const time = (args) => {
  const runs = [];
  for (let i = 0; i < 5; i++) {
    const t0 = performance.now();
    spawnSync(process.execPath, args, { cwd: dir, stdio: 'ignore' });
    runs.push(performance.now() - t0);
  }
  return runs.sort((a, b) => a - b)[2].toFixed(0);
};
const tsx = `const [a,b]=await Promise.all([import(${JSON.stringify(path.join(root, 'node_modules/tsx/dist/esm/api/index.mjs'))}),import(${JSON.stringify(path.join(root, 'node_modules/tsx/dist/cjs/api/index.mjs'))})]);a.register();b.register();`;
console.log(`process start (node -e 0): ${time(['-e', '0'])} ms; + tsx registered: ${time(['--input-type=module', '-e', tsx])} ms; + app imported: ${time(['--input-type=module', '-e', `${tsx}await import('./app.ts')`])} ms (medians of 5)`);
rmSync(dir, { recursive: true, force: true });
