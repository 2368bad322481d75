// Serves the bench's fetch hello app through Narwhal's fetch adapter in one
// process (no master), for profiling: node --cpu-prof scripts/bench/profile-adapter.mjs PORT
// then point wrk at it; SIGINT or SIGTERM ends it and writes the profile.
import http from 'node:http';
import { fetchAdapter } from '../../dist/src/http/fetch-adapter.js';
import { fetchHello } from './apps/hello.mjs';

const listener = fetchAdapter(fetchHello, {
  onError: (err, req, res) => {
    process.stderr.write(`${err?.stack ?? err}\n`);
    res.destroy();
  },
  waitUntil: () => {},
});
const server = http.createServer(listener).listen(Number(process.argv[2] ?? 8000), '127.0.0.1');
for (const sig of ['SIGINT', 'SIGTERM']) process.on(sig, () => server.close(() => process.exit(0)) && server.closeAllConnections());
