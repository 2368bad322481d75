// Fastify behind another server, its documented way: `serverFactory` hands us
// Fastify's request handler, and the factory below returns it once Fastify is
// ready. The app name calls the factory:
//   narwhal 'examples/fastify/app.ts:create()' --workers 2

import http from 'node:http';
import Fastify from 'fastify';

export async function create(): Promise<http.RequestListener> {
  let handler: http.RequestListener | undefined;
  const app = Fastify({
    serverFactory: (fastifyHandler) => {
      handler = fastifyHandler;
      // Fastify wants a server object; Narwhal's worker owns the real sockets, so this one never listens.
      return http.createServer(fastifyHandler);
    },
  });
  app.get('/', async () => ({ framework: 'fastify', pid: process.pid }));
  app.post('/echo', async (request) => ({ received: request.body }));
  await app.ready();
  return (req, res) => handler!(req, res);
}
