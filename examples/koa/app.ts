// Koa, served through the (req, res) listener that app.callback() returns.
//   narwhal examples/koa/app.ts --workers 2

import Koa from 'koa';

const app = new Koa();
app.use(async (ctx) => {
  ctx.body = { framework: 'koa', path: ctx.path, method: ctx.method };
});

export default app.callback();
