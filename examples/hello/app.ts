// The hello example: a fetch-style app in TypeScript, served with no build step.
//   narwhal examples/hello/app.ts --workers 2

interface Greeting {
  message: string;
  pid: number;
}

export default {
  fetch(request: Request): Response {
    const url = new URL(request.url);
    if (url.pathname === '/json') {
      const body: Greeting = { message: 'Hello from Narwhal', pid: process.pid };
      return Response.json(body);
    }
    return new Response(`Hello from Narwhal (worker ${process.pid})\n`, {
      headers: { 'content-type': 'text/plain; charset=utf-8' },
    });
  },
};
