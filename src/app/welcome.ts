// The page `narwhal` serves when no app is named, so a first run shows
// something and says what to do next (as a fresh Django project greets you).

const PAGE = `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Narwhal is running</title>
<style>body{font:16px/1.5 system-ui,sans-serif;max-width:40rem;margin:4rem auto;padding:0 1rem;color:#1d2b36}
code,pre{background:#eef3f7;border-radius:4px;padding:.1em .3em}pre{padding:1em;overflow:auto}</style></head>
<body><h1>Narwhal is running</h1>
<p>The server works, but no app was named, so this welcome page answers instead.</p>
<p>Point Narwhal at your app, a module and the export to serve:</p>
<pre>narwhal src/app.ts:default --workers 2</pre>
<p>A fetch-style app exports <code>{ fetch(request) }</code> (Hono, Elysia, plain web standards);
a node-style app exports a <code>(req, res)</code> listener (Express, Koa's <code>app.callback()</code>).
Run <code>narwhal --help</code> for every setting.</p>
</body></html>
`;

export function welcomeApp(request: Request): Response {
  return new Response(request.method === 'HEAD' ? null : PAGE, {
    headers: { 'content-type': 'text/html; charset=utf-8' },
  });
}
