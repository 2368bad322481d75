// Express, a node-style app: Narwhal hands it Node's own req and res.
//   narwhal examples/express/app.ts --workers 2

import express from 'express';

const app = express();
app.use(express.json());

app.get('/', (_req, res) => {
  res.type('text/plain').send(`Hello from Express in worker ${process.pid}\n`);
});

app.post('/echo', (req, res) => {
  res.json({ received: req.body as unknown });
});

export default app;
