// Runs one peer under node:cluster with workers accepting on the shared socket
// (SCHED_NONE), the way Narwhal's workers do. Usage: cluster.mjs KIND PORT WORKERS
// with KIND one of node | floor-js-read | floor-fetch | floor-contract | hono | srvx. Started by
// scripts/bench.mjs.
import cluster from 'node:cluster';
import http from 'node:http';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { contractFloor, fetchFloor, jsReadFloor } from './floors.mjs';
import { fetchHello, nodeHello } from './hello.mjs';

const [kind, portText, workersText] = process.argv.slice(2);
const port = Number(portText);

if (cluster.isPrimary) {
  cluster.schedulingPolicy = cluster.SCHED_NONE;
  for (let i = 0; i < Number(workersText); i++) cluster.fork();
  process.on('SIGTERM', () => {
    for (const w of Object.values(cluster.workers)) w.kill();
    process.exit(0);
  });
} else if (kind === 'node') {
  http.createServer(nodeHello).listen(port, '127.0.0.1');
} else if (kind === 'floor-js-read') {
  jsReadFloor(port);
} else if (kind === 'floor-fetch') {
  fetchFloor(port);
} else if (kind === 'floor-contract') {
  await contractFloor(port, path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..'));
} else if (kind === 'hono') {
  const { serve } = await import('@hono/node-server');
  serve({ fetch: fetchHello, port, hostname: '127.0.0.1' });
} else if (kind === 'srvx') {
  const { serve } = await import('srvx');
  serve({ fetch: fetchHello, port, hostname: '127.0.0.1', silent: true });
} else {
  throw new Error(`unknown kind ${kind}`);
}
