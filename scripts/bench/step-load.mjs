// A step load for scripts/bench-autoscale.mjs, run as its own process so the
// bench's bookkeeping does not slow it: N kept-alive connections, each sending
// its next GET as soon as the last answers, for S seconds; prints one JSON
// line: every request's start (ms since the step) and latency, and the failures.
// Usage: node scripts/bench/step-load.mjs PORT PATH CONNECTIONS SECONDS

import http from 'node:http';

const [port, path, connections, seconds] = [Number(process.argv[2]), process.argv[3], Number(process.argv[4]), Number(process.argv[5])];
const agent = new http.Agent({ keepAlive: true, maxSockets: connections });
const t0 = performance.now();
const end = t0 + seconds * 1000;
const starts = [];
const latencies = [];
let failures = 0;

const once = () =>
  new Promise((resolve) => {
    const started = performance.now();
    const req = http.get({ host: '127.0.0.1', port, path, agent }, (res) => {
      res.resume();
      res.on('end', () => {
        if (res.statusCode === 200) {
          starts.push(Math.round(started - t0));
          latencies.push(Math.round((performance.now() - started) * 100) / 100);
        } else failures++;
        resolve();
      });
    });
    req.on('error', () => (failures++, resolve()));
  });

const loop = async () => {
  while (performance.now() < end) await once();
};
await Promise.all(Array.from({ length: connections }, loop));
agent.destroy();
process.stdout.write(`${JSON.stringify({ starts, latencies, failures })}\n`);
