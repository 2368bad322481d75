// Two measuring devices for the bench, not servers: each is the least a kind of
// server can cost, so the bench can show what issue 3's speed targets ask for.
// Started in each cluster worker by cluster.mjs (kinds floor-js-read, floor-fetch).
import http from 'node:http';
import net from 'node:net';
import { BODY, fetchHello, nodeHello } from './hello.mjs';

/**
 * Raw node:http and the same nodeHello, except that every chunk read from the
 * socket passes through one JavaScript 'data' listener on its way to
 * node:http's parser. Any JS check in front of that parser needs such a
 * listener, and adding it stops node:http from reading the socket natively
 * (it "unconsumes" the handle), so this is the least such a gate can cost.
 */
export function jsReadFloor(port) {
  const server = http.createServer(nodeHello);
  // Runs after node:http's own connection listener, which added its 'data' listener.
  server.on('connection', (socket) => {
    const listeners = socket.listeners('data');
    if (listeners.length !== 1) throw new Error(`expected node:http's one 'data' listener, found ${listeners.length}`);
    const [nodeListener] = listeners;
    socket.removeListener('data', nodeListener);
    socket.on('data', (chunk) => nodeListener(chunk));
  });
  server.listen(port, '127.0.0.1');
}

const HEAD_END = '\r\n\r\n';
const CLOSE = /\r\nconnection:[ \t]*close/i;
const BODY_LENGTH = Buffer.byteLength(BODY);

/** The Date header, rebuilt at most once a second as node:http does. */
function dateCache() {
  let text = '';
  let until = 0;
  return () => {
    const now = Date.now();
    if (now >= until) {
      text = new Date(now).toUTCString();
      until = now - (now % 1000) + 1000;
    }
    return text;
  };
}

/** Calls the fetch handler and writes what it returned, with the known body. */
function answer(date, close) {
  const response = fetchHello();
  let head = `HTTP/1.1 ${response.status} ${http.STATUS_CODES[response.status]}\r\n`;
  for (const [name, value] of response.headers) head += `${name}: ${value}\r\n`;
  head += `date: ${date()}\r\ncontent-length: ${BODY_LENGTH}\r\n`;
  if (close) head += 'connection: close\r\n';
  return `${head}\r\n${BODY}`;
}

/**
 * node:net and the fetch handler, with no HTTP parsing at all: every CRLFCRLF
 * received counts as one request. It builds no Request, ignores request bodies
 * and does not read the Response's body back (it writes the body it knows), so
 * it is a lower bound for any server that serves a fetch handler building
 * Node's own Response. Only `Connection: close` is looked for, so that wrk's
 * connection-per-request mode really opens a connection per request.
 */
export function fetchFloor(port) {
  const date = dateCache();
  const server = net.createServer({ noDelay: true }, (socket) => {
    let pending = null;
    socket.on('error', () => socket.destroy());
    socket.on('data', (chunk) => {
      const data = pending ? Buffer.concat([pending, chunk]) : chunk;
      let start = 0;
      let end;
      while ((end = data.indexOf(HEAD_END, start)) !== -1) {
        const close = CLOSE.test(data.latin1Slice(start, end));
        socket.write(answer(date, close));
        if (close) {
          socket.end();
          pending = null;
          return;
        }
        start = end + HEAD_END.length;
      }
      pending = start < data.length ? data.subarray(start) : null;
    });
  });
  server.listen(port, '127.0.0.1');
}
