// Sheds kept-alive connections when the master asks (a `shed` message): the
// next N responses carry `Connection: close`, so those clients reconnect and
// the kernel hands the new connections to whichever worker accepts first,
// usually one with spare time. Created by Worker with --max-workers; runs in workers.
//
// HttpServer has no per-response keep-alive hook, so this goes through the
// app contract, which both HTTP paths honour: a fetch app's Response with a
// `connection: close` field, a node app's `res.shouldKeepAlive = false`.

import type { LoadedApp } from '../app/loader.js';

export class Shedder {
  #budget = 0;
  #until = 0;

  /** Close `connections` kept-alive connections, one per response, within `withinMs`. */
  ask(connections: number, withinMs: number, now = Date.now()): void {
    this.#budget = Math.max(0, Math.floor(connections));
    this.#until = now + withinMs;
  }

  get pending(): number {
    return this.#budget;
  }

  /** Whether this response should close its connection; spends one from the budget. */
  take(now = Date.now()): boolean {
    if (this.#budget === 0) return false;
    if (now > this.#until) {
      this.#budget = 0;
      return false;
    }
    this.#budget--;
    return true;
  }

  /** The app, with each response checked against the budget (one comparison when there is none). */
  wrap(app: LoadedApp): LoadedApp {
    if (app.kind === 'node') {
      const listener = app.listener;
      return {
        ...app,
        listener: (req, res) => {
          // HTTP/2 has no Connection field; its sessions are not shed.
          if (this.#budget > 0 && req.httpVersionMajor < 2 && this.take()) {
            res.shouldKeepAlive = false;
            res.setHeader('connection', 'close');
          }
          return listener(req, res);
        },
      };
    }
    const handler = app.handler;
    return {
      ...app,
      handler: (request, ctx) => {
        const answer = handler(request, ctx);
        if (this.#budget === 0) return answer;
        return answer instanceof Response ? this.#close(answer) : Promise.resolve(answer).then((r) => this.#close(r));
      },
    };
  }

  #close(response: Response): Response {
    if (!(response instanceof Response) || !this.take()) return response;
    try {
      response.headers.set('connection', 'close');
      return response;
    } catch {
      // Immutable fields (Response.redirect, a fetch() answer): the same response, re-wrapped.
      const copy = new Response(response.body, { status: response.status, statusText: response.statusText, headers: response.headers });
      copy.headers.set('connection', 'close');
      return copy;
    }
  }
}
