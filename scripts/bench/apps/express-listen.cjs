// An Express app that calls app.listen() itself, as PM2 users write them: run
// unchanged under PM2 cluster mode and under `narwhal express-listen.cjs`
// (Narwhal gives listen() its own sockets). Started by scripts/bench.mjs.
const express = require('express');

const BODY = 'Hello, World!\n';
const app = express();
app.disable('x-powered-by');
app.disable('etag');
app.get('/', (req, res) => {
  res.set('content-type', 'text/plain; charset=utf-8');
  res.send(BODY);
});
app.listen(Number(process.env.PORT || 3000), '127.0.0.1');
