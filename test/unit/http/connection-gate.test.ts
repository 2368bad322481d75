// The gate on real sockets in this process: a node:http server with the gate
// attached as HttpServer attaches it, and raw TCP clients.

import assert from 'node:assert/strict';
import http, { type IncomingMessage, type ServerResponse } from 'node:http';
import net, { type AddressInfo, type Socket } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { ConnectionGate } from '../../../src/http/connection-gate.js';
import { headRules } from '../../../src/http/head-rules.js';
import { exchange, parseResponses } from '../../helpers/raw-http.js';
import { waitFor } from '../../helpers/narwhal.js';
import { defaultHeadRules } from '../../helpers/head-rules.js';

const rules = headRules(defaultHeadRules({ secureSchemeHeaders: {} }));

describe('ConnectionGate', () => {
  const gates = new WeakMap<Socket, ConnectionGate>();
  const serverSockets: Socket[] = [];
  let server: http.Server;
  let port: number;

  before(async () => {
    server = http.createServer((req: IncomingMessage, res: ServerResponse) => {
      gates.get(req.socket)?.prepare(req, res);
      if (req.url!.startsWith('/big/')) {
        // Big enough answers that node:http pauses reading behind them.
        res.end(`${req.url}\n`.padEnd(256 * 1024, '.'));
        return;
      }
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => res.end(JSON.stringify({ method: req.method, url: req.url, headers: req.rawHeaders, body: Buffer.concat(chunks).toString() })));
    });
    // As HttpServer: a client's half-close must not abort the answers still queued.
    (server as http.Server & { httpAllowHalfOpen: boolean }).httpAllowHalfOpen = true;
    server.on('connection', (socket: Socket) => {
      const gate = ConnectionGate.attach(socket, { rules, proxyMode: 'auto', proxyAllowed: () => true, schemeTrusted: () => true, headerTimeoutMs: 5000, bodyTimeoutMs: 5000, acceptUpgrades: true });
      assert.ok(gate, 'node:http\'s data listener is where the gate expects it');
      gates.set(socket, gate);
      serverSockets.push(socket);
    });
    server.on('upgrade', (_req, socket: Socket, head: Buffer) => {
      socket.write('HTTP/1.1 101 Switching Protocols\r\nUpgrade: echo\r\nConnection: Upgrade\r\n\r\n');
      socket.write(head);
      socket.on('data', (d: Buffer) => socket.write(d));
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    port = (server.address() as AddressInfo).port;
  });
  after(() => {
    server.closeAllConnections();
    server.close();
  });

  it('reads a request arriving one byte at a time, head and chunked body', async () => {
    const client = net.connect(port, '127.0.0.1');
    let out = '';
    client.on('data', (d: Buffer) => (out += d.toString('latin1')));
    await new Promise((resolve) => client.once('connect', resolve));
    const socket = await waitFor('the server side of the connection', () => serverSockets.find((s) => s.remotePort === client.localPort));
    const wire = Buffer.from('PROXY TCP4 1.2.3.4 5.6.7.8 1000 80\r\nPOST /one?x HTTP/1.1\r\nHost: h\r\nX_Skip: 1\r\nTransfer-Encoding: chunked\r\n\r\n3;ext=1\r\nabc\r\n2\r\nde\r\n0\r\nX-T: 1\r\n\r\n');
    // Drive the gate exactly as the network would if every byte came in its own packet.
    for (const byte of wire) socket.emit('data', Buffer.from([byte]));
    await waitFor('the response', () => out.includes('"body"'));
    client.destroy();
    const body = JSON.parse(out.slice(out.indexOf('\r\n\r\n') + 4)) as { method: string; url: string; headers: string[]; body: string };
    assert.deepEqual(body, { method: 'POST', url: '/one?x', headers: ['Host', 'h', 'Transfer-Encoding', 'chunked'], body: 'abcde' });
    assert.equal(socket.remoteAddress, '1.2.3.4');
  });

  it('keeps pipelined requests in order while node:http applies backpressure', async () => {
    const wire = Array.from({ length: 40 }, (_, i) => `GET /big/${i} HTTP/1.1\r\nHost: h\r\n\r\n`).join('');
    const { data } = await exchange(port, Buffer.from(wire), { timeoutMs: 20_000 });
    const responses = parseResponses(data);
    assert.equal(responses.length, 40);
    assert.deepEqual(responses.map((r) => r.body.toString('latin1', 0, r.body.indexOf('\n'))), Array.from({ length: 40 }, (_, i) => `/big/${i}`));
  });

  it('gives the app CONNECT and unusual targets as sent', async () => {
    const { data } = await exchange(port, Buffer.from('CONNECT example.com:443 HTTP/1.1\r\nHost: example.com:443\r\n\r\n'));
    const [res] = parseResponses(data);
    assert.equal(res?.status, 200);
    const seen = JSON.parse(res!.body.toString()) as { method: string; url: string; headers: string[] };
    assert.deepEqual([seen.method, seen.url, seen.headers], ['CONNECT', 'example.com:443', ['Host', 'example.com:443']]);
  });

  it('skips CR and LF before a request line, in any mix and over packets (RFC 9112 section 2.2), and takes SP runs in it', async () => {
    const { data } = await exchange(port, [Buffer.from('\n\r\r'), Buffer.from('\r\nGET  /a   HTTP/1.1\r\nHost: h\r\n\r\n\n\r'), Buffer.from('\nGET /b HTTP/1.1\r\nHost: h\r\n\r\n')]);
    const urls = parseResponses(data).map((r) => [r.status, (JSON.parse(r.body.toString()) as { url: string }).url]);
    assert.deepEqual(urls, [[200, '/a'], [200, '/b']]);
  });

  it('lets go of the socket when the app accepts an upgrade', async () => {
    const client = net.connect(port, '127.0.0.1');
    let out = '';
    client.on('data', (d: Buffer) => (out += d.toString('latin1')));
    client.write('GET /ws HTTP/1.1\r\nHost: h\r\nUpgrade: echo\r\nConnection: Upgrade\r\n\r\nfirst-');
    await waitFor('the 101 and the first bytes echoed', () => out.endsWith('first-'));
    client.write(Buffer.from('GET / HTTP/1.1\r\n\x00\xff', 'latin1'));
    await waitFor('raw bytes echoed, not parsed as HTTP', () => out.endsWith('GET / HTTP/1.1\r\n\x00\xff'));
    client.destroy();
    assert.ok(out.startsWith('HTTP/1.1 101 '));
  });
});
