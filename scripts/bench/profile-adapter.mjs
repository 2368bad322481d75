// Serves the bench's hello app in one process (no master), through Narwhal's
// fetch adapter or as a plain node:http listener, for profiling and quick
// comparisons: node [--cpu-prof] scripts/bench/profile-adapter.mjs PORT [fetch|node]
// [ADAPTER_MODULE] then point wrk at it; SIGINT or SIGTERM prints CPU us/request and exits.
import http from 'node:http';
const { fetchAdapter } = await import(process.argv[4] ?? '../../dist/src/http/fetch-adapter.js');
import { fetchHello, nodeHello } from './apps/hello.mjs';

const kind = process.argv[3] ?? 'fetch';
let served = 0;
const inner =
  kind === 'node'
    ? nodeHello
    : fetchAdapter(fetchHello, {
        onError: (err, req, res) => {
          process.stderr.write(`${err?.stack ?? err}\n`);
          res.destroy();
        },
        waitUntil: () => {},
      });
const server = http.createServer((req, res) => {
  served++;
  inner(req, res);
});
server.listen(Number(process.argv[2] ?? 8000), '127.0.0.1');
const start = process.cpuUsage();
for (const sig of ['SIGINT', 'SIGTERM']) {
  process.on(sig, () => {
    const used = process.cpuUsage(start);
    process.stderr.write(`${kind}: ${served} requests, ${((used.user + used.system) / served).toFixed(1)} us CPU/request\n`);
    server.closeAllConnections();
    server.close(() => process.exit(0));
  });
}
