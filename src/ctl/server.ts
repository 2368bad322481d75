// The master's control socket: a unix socket (mode 0600) that takes one JSON
// command per connection and answers with one JSON line. Knows nothing of
// workers: the arbiter hands it the function that runs a command. Master only.

import { chmodSync, existsSync, lstatSync, renameSync, unlinkSync } from '../node-fs.js';
import net from 'node:net';
import { NarwhalError } from '../errors.js';
import { isCtlCommand, type CtlRequest, type CtlResponse } from './protocol.js';

export type CtlHandler = (request: CtlRequest) => Promise<unknown>;

const MAX_REQUEST_BYTES = 64 * 1024;

/** A socket file nobody answers on is left over from a crash and may go; a live one may not. */
function isLive(path: string): Promise<boolean> {
  return new Promise((resolve) => {
    const c = net.connect(path);
    c.once('connect', () => {
      c.destroy();
      resolve(true);
    });
    c.once('error', () => resolve(false));
  });
}

export class ControlServer {
  readonly #server: net.Server;
  #path: string;

  private constructor(server: net.Server, path: string) {
    this.#server = server;
    this.#path = path;
  }

  static async listen(path: string, handle: CtlHandler): Promise<ControlServer> {
    if (existsSync(path)) {
      if (!lstatSync(path).isSocket()) throw new NarwhalError('BIND', `the control socket path ${path} (--ctl-socket) exists and is not a socket`);
      if (await isLive(path)) throw new NarwhalError('BIND', `another process is listening on the control socket ${path} (--ctl-socket)`);
      unlinkSync(path);
    }
    const server = net.createServer((socket) => ControlServer.#serve(socket, handle));
    // The umask makes the socket 0600 from the moment it exists (bind is synchronous).
    const previous = process.umask(0o177);
    try {
      await new Promise<void>((resolve, reject) => {
        server.once('error', reject);
        server.listen(path, () => {
          server.off('error', reject);
          resolve();
        });
      });
    } catch (e) {
      throw new NarwhalError('BIND', `cannot listen on the control socket ${path} (--ctl-socket): ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
    } finally {
      process.umask(previous);
    }
    chmodSync(path, 0o600);
    server.unref();
    return new ControlServer(server, path);
  }

  static #serve(socket: net.Socket, handle: CtlHandler): void {
    let buffered = '';
    const answer = (response: CtlResponse) => socket.end(`${JSON.stringify(response)}\n`);
    socket.setEncoding('utf8');
    socket.on('error', () => {});
    socket.on('data', (chunk: string) => {
      buffered += chunk;
      if (buffered.length > MAX_REQUEST_BYTES) return answer({ ok: false, error: 'request too large' });
      const nl = buffered.indexOf('\n');
      if (nl < 0) return;
      socket.pause();
      let request: CtlRequest;
      try {
        const parsed = JSON.parse(buffered.slice(0, nl)) as { command?: unknown; args?: unknown };
        if (typeof parsed.command !== 'string' || !isCtlCommand(parsed.command)) throw new Error(`unknown command ${JSON.stringify(parsed.command)}`);
        const args = Array.isArray(parsed.args) ? parsed.args.map(String) : [];
        request = { command: parsed.command, args };
      } catch (e) {
        return answer({ ok: false, error: `bad request: ${(e as Error).message}` });
      }
      handle(request).then(
        (result) => answer({ ok: true, result }),
        (err: Error) => answer({ ok: false, error: err.message }),
      );
    });
  }

  get path(): string {
    return this.#path;
  }

  /** Moves the socket file (a master started by USR2 takes over `<path>` from `<path>.2`); the listener is unaffected. */
  rename(to: string): void {
    renameSync(this.#path, to);
    this.#path = to;
  }

  close(): void {
    this.#server.close();
    try {
      unlinkSync(this.#path);
    } catch {
      // Already gone.
    }
  }
}
