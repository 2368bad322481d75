// The raw node:http hello app as PM2 cluster mode runs it (PM2 forks it per
// instance and shares the port). Started by scripts/bench.mjs through pm2.
const http = require('node:http');

const BODY = 'Hello, World!\n';
http
  .createServer((req, res) => {
    res.writeHead(200, { 'content-type': 'text/plain; charset=utf-8', 'content-length': Buffer.byteLength(BODY) });
    res.end(BODY);
  })
  .listen(Number(process.env.BENCH_PORT), '127.0.0.1');
