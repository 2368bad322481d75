// The gate serving a RequestSink (the direct fetch path) on real sockets in
// this process: what the sink is told for heads, decoded bodies, a client
// that ends mid-body, and a refused head. Plus the field-list lookups.

import assert from 'node:assert/strict';
import net, { type AddressInfo, type Socket } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { ConnectionGate, type RequestSink } from '../../../src/http/connection-gate.js';
import { fieldValue, nodeRequestView } from '../../../src/http/field-list.js';
import { headRules, type RequestHead } from '../../../src/http/head-rules.js';
import type { HttpError } from '../../../src/http/http-error.js';
import { waitFor } from '../../helpers/narwhal.js';
import { defaultHeadRules } from '../../helpers/head-rules.js';

const rules = headRules(defaultHeadRules({ secureSchemeHeaders: {} }));

/** Writes down what the gate tells it, in order. */
class RecordingSink implements RequestSink {
  readonly events: string[] = [];
  closed = false;

  head(head: RequestHead): void {
    this.events.push(`head ${head.method} ${head.target} body=${head.body}`);
  }

  body(chunk: Buffer): void {
    const last = this.events.at(-1);
    // Consecutive body pieces are joined: how the bytes are split depends on the packets.
    if (last?.startsWith('body ')) this.events[this.events.length - 1] = last + chunk.toString('latin1');
    else this.events.push(`body ${chunk.toString('latin1')}`);
  }

  bodyEnd(): void {
    this.events.push('end');
  }

  reject(err: HttpError): void {
    this.events.push(`reject ${err.status}`);
  }
}

describe('ConnectionGate with a RequestSink', () => {
  let server: net.Server;
  let port: number;
  const sinks: { sink: RecordingSink; socket: Socket }[] = [];

  before(async () => {
    server = net.createServer({ allowHalfOpen: true }, (socket) => {
      const sink = new RecordingSink();
      socket.on('close', () => (sink.closed = true));
      socket.on('error', () => {});
      ConnectionGate.serve(socket, { rules, proxyMode: 'off', proxyAllowed: () => false, schemeTrusted: () => false, headerTimeoutMs: 5000, bodyTimeoutMs: 5000 }, sink);
      sinks.push({ sink, socket });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    port = (server.address() as AddressInfo).port;
  });
  after(() => {
    for (const { socket } of sinks) socket.destroy();
    server.close();
  });

  /** Sends `pieces` one write (and one tick) apart; `end` half-closes after them. Returns the server side's sink. */
  async function send(pieces: string[], end: boolean): Promise<{ sink: RecordingSink; client: net.Socket }> {
    const before = sinks.length;
    const client = net.connect(port, '127.0.0.1');
    client.on('error', () => {});
    await new Promise((resolve) => client.once('connect', resolve));
    const { sink } = await waitFor('the server side', () => sinks[before], 5000);
    for (const piece of pieces) {
      client.write(piece);
      await new Promise((resolve) => setTimeout(resolve, 2));
    }
    if (end) client.end();
    return { sink, client };
  }

  it('decodes a chunked body sent one byte at a time, then reads the next head', async () => {
    const wire = 'POST /c HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n3;ext=1\r\nabc\r\n2\r\nde\r\n0\r\nX-Trailer: t\r\n\r\nGET /next HTTP/1.1\r\nHost: x\r\n\r\n';
    const { sink, client } = await send([...wire], false);
    await waitFor('both requests', () => sink.events.length >= 4, 5000);
    assert.deepEqual(sink.events, ['head POST /c body=chunked', 'body abcde', 'end', 'head GET /next body=0']);
    client.destroy();
  });

  it('closes a connection whose Content-Length body is cut short by a half-closing client, without telling the sink it ended', async () => {
    const { sink } = await send(['POST /l HTTP/1.1\r\nHost: x\r\nContent-Length: 10\r\n\r\nabc', 'de'], true);
    await waitFor('the close', () => sink.closed, 5000);
    assert.deepEqual(sink.events, ['head POST /l body=10', 'body abcde']);
  });

  it('closes a connection whose chunked body is cut short, without telling the sink it ended', async () => {
    const { sink } = await send(['POST /c HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nab'], true);
    await waitFor('the close', () => sink.closed, 5000);
    assert.deepEqual(sink.events, ['head POST /c body=chunked', 'body ab']);
  });

  it('hands a refused head to the sink after the good ones, and reads no further', async () => {
    const { sink, client } = await send(['GET /ok HTTP/1.1\r\nHost: x\r\n\r\nGET /bad HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\nGET /never HTTP/1.1\r\n\r\n'], false);
    await waitFor('the refusal', () => sink.events.some((e) => e.startsWith('reject')), 5000);
    assert.deepEqual(sink.events, ['head GET /ok body=0', 'reject 400']);
    client.destroy();
  });
});

describe('field lists', () => {
  it('finds a field by name in any case and joins its repeats', () => {
    const list = ['Host', 'x', 'X-Rep', 'a', 'x-rep', 'b'];
    assert.equal(fieldValue(list, 'x-rep', false), 'a, b');
    assert.equal(fieldValue(list, 'host', false), 'x');
    assert.equal(fieldValue(list, 'missing', false), undefined);
    // With names known to be lower-case, a differently cased name does not match.
    assert.equal(fieldValue(['content-type', 'text/plain'], 'content-type', true), 'text/plain');
    assert.equal(fieldValue(['Content-Type', 'text/plain'], 'content-type', true), undefined);
  });

  it('shows a parsed head to ProxyTrust as node:http would: lower-case names, repeats joined', () => {
    const socket = new net.Socket();
    const view = nodeRequestView(['X-Forwarded-For', '1.1.1.1', 'x-forwarded-for', '2.2.2.2'], socket);
    assert.deepEqual(view.headers, { 'x-forwarded-for': '1.1.1.1, 2.2.2.2' });
    assert.equal(view.rawHeaders.length, 4);
    assert.equal(view.socket, socket);
    socket.destroy();
  });
});
