// The seed project's layout, translated: Django's config/wsgi.py:application
// becomes config/app.ts:application. Any fetch-style or node-style app works here.

export const application = {
  async fetch(request: Request): Promise<Response> {
    const url = new URL(request.url);
    if (url.pathname === '/healthz') return new Response('ok\n');
    return Response.json({ app: 'seed', path: url.pathname, worker: process.pid });
  },
};
