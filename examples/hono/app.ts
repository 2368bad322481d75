// Hono, a fetch-style app: its `app` object has fetch(request), so Narwhal
// serves it as it is, with no adapter package.
//   narwhal examples/hono/app.ts --workers 2

import { Hono } from 'hono';

const app = new Hono();
app.get('/', (c) => c.text(`Hello from Hono in worker ${process.pid}\n`));
app.get('/users/:id', (c) => c.json({ id: c.req.param('id'), agent: c.req.header('user-agent') ?? null }));
app.post('/echo', async (c) => c.json({ received: await c.req.json<unknown>() }));

export default app;
