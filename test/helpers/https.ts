// TLS clients for tests: one HTTPS request on a fresh connection (Node's https
// client, optionally with a client certificate), and raw bytes over TLS, each
// with a deadline.

import https from 'node:https';
import tls, { type PeerCertificate } from 'node:tls';

export interface TlsClient {
  readonly ca: Buffer;
  readonly cert?: Buffer;
  readonly key?: Buffer;
  readonly ALPNProtocols?: string[];
}

export interface TlsReply {
  readonly status: number;
  readonly headers: import('node:http').IncomingHttpHeaders;
  readonly body: string;
  readonly peer: PeerCertificate;
}

export function httpsRequest(url: string, client: TlsClient, opts: { method?: string; body?: string; timeoutMs?: number } = {}): Promise<TlsReply> {
  return new Promise((resolve, reject) => {
    const req = https.request(url, { method: opts.method ?? 'GET', agent: false, ...client }, (res) => {
      const chunks: Buffer[] = [];
      const peer = (res.socket as tls.TLSSocket).getPeerCertificate();
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode!, headers: res.headers, body: Buffer.concat(chunks).toString('utf8'), peer }));
      res.on('error', reject);
    });
    req.setTimeout(opts.timeoutMs ?? 10_000, () => req.destroy(new Error(`request to ${url} timed out`)));
    req.on('error', reject);
    req.end(opts.body);
  });
}

/** Sends raw bytes over TLS and reads until the server closes (or the deadline). */
export function tlsExchange(port: number, client: TlsClient, bytes: string, timeoutMs = 5000): Promise<{ data: string; closed: boolean; alpn: string | false }> {
  return new Promise((resolve, reject) => {
    const socket = tls.connect({ port, host: '127.0.0.1', ...client });
    const chunks: Buffer[] = [];
    let alpn: string | false = false;
    const done = (closed: boolean) => {
      clearTimeout(timer);
      socket.destroy();
      resolve({ data: Buffer.concat(chunks).toString('latin1'), closed, alpn });
    };
    const timer = setTimeout(() => done(false), timeoutMs);
    socket.on('secureConnect', () => {
      alpn = socket.alpnProtocol ?? false;
      socket.write(bytes);
    });
    socket.on('data', (d: Buffer) => chunks.push(d));
    socket.on('close', () => done(true));
    socket.on('error', (err: NodeJS.ErrnoException) => (err.code === 'ECONNRESET' ? done(true) : reject(err)));
  });
}
