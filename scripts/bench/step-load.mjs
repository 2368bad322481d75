// A step load for scripts/bench-autoscale.mjs, run as its own process so the
// bench's bookkeeping does not slow it: N kept-alive connections, opened
// STAGGER ms apart, each sending its next GET as soon as the last answers,
// for S seconds; prints one JSON line: every request's start (ms since the
// step), latency and answering pid (the app answers with it), and the failures.
// Usage: node scripts/bench/step-load.mjs PORT PATH CONNECTIONS SECONDS STAGGER

import http from 'node:http';

const [port, path, connections, seconds, stagger] = [Number(process.argv[2]), process.argv[3], Number(process.argv[4]), Number(process.argv[5]), Number(process.argv[6] ?? 0)];
const agent = new http.Agent({ keepAlive: true, maxSockets: connections });
const t0 = performance.now();
const end = t0 + seconds * 1000;
const starts = [];
const latencies = [];
const pids = [];
let failures = 0;

const once = () =>
  new Promise((resolve) => {
    const started = performance.now();
    const req = http.get({ host: '127.0.0.1', port, path, agent }, (res) => {
      let body = '';
      res.setEncoding('utf8').on('data', (d) => (body += d));
      res.on('end', () => {
        if (res.statusCode === 200) {
          starts.push(Math.round(started - t0));
          latencies.push(Math.round((performance.now() - started) * 100) / 100);
          pids.push(Number(body));
        } else failures++;
        resolve();
      });
    });
    req.on('error', () => (failures++, resolve()));
  });

const loop = async (_, i) => {
  await new Promise((r) => setTimeout(r, i * stagger));
  while (performance.now() < end) await once();
};
await Promise.all(Array.from({ length: connections }, loop));
agent.destroy();
process.stdout.write(`${JSON.stringify({ starts, latencies, pids, failures })}\n`);
