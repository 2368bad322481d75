// Serves GET /metrics from the master on --metrics-bind: a monitoring port,
// apart from the app's sockets and never passed to workers. Master only.

import type * as Http from 'node:http';
import http from '../http/node-http.js';
import { parseAddress } from '../config/address.js';
import { NarwhalError } from '../errors.js';

export type Render = () => Promise<{ contentType: string; body: string }>;

export class MetricsEndpoint {
  readonly #server: Http.Server;

  private constructor(server: Http.Server) {
    this.#server = server;
  }

  static async start(bind: string, render: Render, onError: (err: unknown) => void): Promise<{ endpoint: MetricsEndpoint; label: string }> {
    const address = parseAddress(bind);
    if (address.kind === 'fd') throw new NarwhalError('CONFIG', '--metrics-bind takes HOST:PORT or unix:/path, not fd://');
    const server = http.createServer((req, res) => {
      if (req.method !== 'GET' && req.method !== 'HEAD') {
        res.writeHead(405, { allow: 'GET, HEAD' }).end();
        return;
      }
      if ((req.url ?? '/').split('?')[0] !== '/metrics') {
        res.writeHead(404, { 'content-type': 'text/plain' }).end('Not found: metrics are at /metrics\n');
        return;
      }
      render().then(
        ({ contentType, body }) => res.writeHead(200, { 'content-type': contentType }).end(req.method === 'HEAD' ? undefined : body),
        (err) => {
          onError(err);
          res.writeHead(500).end();
        },
      );
    });
    await new Promise<void>((resolve, reject) => {
      server.once('error', (err: NodeJS.ErrnoException) => reject(new NarwhalError('BIND', `cannot bind --metrics-bind ${bind}: ${err.code ?? err.message}`)));
      if (address.kind === 'unix') server.listen(address.path, resolve);
      else server.listen(address.port, address.host, resolve);
    });
    server.unref();
    const a = server.address();
    const label = typeof a === 'string' ? `unix:${a}` : `http://${a!.family === 'IPv6' ? `[${a!.address}]` : a!.address}:${a!.port}/metrics`;
    return { endpoint: new MetricsEndpoint(server), label };
  }

  close(): void {
    this.#server.close();
    this.#server.closeAllConnections();
  }
}
