// Measuring devices for the bench, not servers: each is the least a kind of
// server can cost, so the bench can show what issue 3's speed targets ask for.
// Started in each cluster worker by cluster.mjs (kinds floor-js-read,
// floor-fetch, floor-contract).
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

/** Node 20 keeps a Response's source under a symbol; newer Node keeps it private (fetch-response.ts). */
const STATE = Object.getOwnPropertySymbols(new Response('')).find((s) => s.description === 'state');
/** Node 20's Request can be lazy (fetch-request.ts); newer Node's reads private fields of any Request it is given. */
const LAZY_REQUEST = Object.getOwnPropertySymbols(new Request('http://localhost/')).length > 0;
const WRK_FIELDS = ['host', '127.0.0.1', 'user-agent', 'wrk'];

/** The body of a Response the cheapest way this Node allows: its source on Node 20, else its stream. */
async function bodyOf(response) {
  const source = STATE && response[STATE]?.body?.source;
  if (typeof source === 'string') return source;
  const reader = response.body.getReader();
  const chunks = [];
  for (let r = await reader.read(); !r.done; r = await reader.read()) chunks.push(r.value);
  return Buffer.concat(chunks);
}

/**
 * What serving the fetch contract costs at the least, on the stream handle
 * Narwhal's own direct path uses (src/http/handle-io.ts), with no parsing: every
 * CRLFCRLF is a GET. Per request it makes only what the contract makes
 * unavoidable on this Node: a real Request where it cannot be lazy (newer Node;
 * its URL and two fields), the handler's own Response, and that Response's
 * body read back as cheaply as this Node allows; then one write. Any server
 * that hands Node's own Request to the handler and sends the Response it gets
 * costs more, so where this row is over a target no such server meets it.
 */
export async function contractFloor(port, root) {
  const { readFromHandle, writeToHandle } = await import(`${root}/dist/src/http/handle-io.js`);
  const date = dateCache();
  const server = net.createServer({ noDelay: true }, (socket) => {
    let pending = null;
    socket.on('error', () => socket.destroy());
    const answer = async (close) => {
      let request = null;
      if (!LAZY_REQUEST) {
        request = new Request(`http://127.0.0.1:${port}/`);
        for (let i = 0; i < WRK_FIELDS.length; i += 2) request.headers.append(WRK_FIELDS[i], WRK_FIELDS[i + 1]);
      }
      const response = fetchHello(request);
      const body = await bodyOf(response);
      let head = `HTTP/1.1 ${response.status} ${http.STATUS_CODES[response.status]}\r\n`;
      for (const [name, value] of response.headers) head += `${name}: ${value}\r\n`;
      head += `date: ${date()}\r\ncontent-length: ${Buffer.byteLength(body)}\r\n${close ? 'connection: close\r\n' : ''}\r\n`;
      writeToHandle(socket, typeof body === 'string' ? head + body : Buffer.concat([Buffer.from(head, 'latin1'), body]));
    };
    readFromHandle(socket, (chunk) => {
      const data = pending ? Buffer.concat([pending, chunk]) : chunk;
      let start = 0;
      let end;
      while ((end = data.indexOf(HEAD_END, start)) !== -1) {
        if (CLOSE.test(data.latin1Slice(start, end))) {
          void answer(true).then(() => socket.end());
          pending = null;
          return;
        }
        void answer(false);
        start = end + HEAD_END.length;
      }
      pending = start < data.length ? data.subarray(start) : null;
    });
  });
  server.listen(port, '127.0.0.1');
}
