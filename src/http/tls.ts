// TLS for a worker's listeners: the node:tls options built from the files the
// worker read at boot, the server (https, or http2 with HTTP/1.1 beside it),
// Gunicorn's "optional" client certificates, and what apps see of a
// connection's TLS. Used by HttpServer in workers.

import type https from 'node:https';
import { createRequire } from 'node:module';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Server } from 'node:net';
import type { Socket } from 'node:net';
import type { PeerCertificate, TLSSocket, TlsOptions } from 'node:tls';
import type { TlsFiles } from '../config/tls-files.js';
import { createHttp2Server, type Http2Limits } from './http2.js';

/** The node:http settings HttpServer gives plain servers, applied to TLS ones too. */
export interface Http1Settings {
  readonly keepAliveTimeout: number;
  readonly maxHeaderSize: number;
  readonly requireHostHeader: boolean;
  readonly requestTimeout: number;
  /** Native listeners only: node:http times the head itself (--header-timeout). */
  readonly headersTimeout?: number;
  readonly connectionsCheckingInterval?: number;
}

/** What a fetch-style app's `ctx.tls` holds for a TLS connection. */
export interface TlsInfo {
  /** `TLSv1.3`, `TLSv1.2`. */
  readonly protocol: string | null;
  /** OpenSSL's name of the cipher in use. */
  readonly cipher: string;
  /** `h2` or `http/1.1` (ALPN), false when the client offered none. */
  readonly alpnProtocol: string | false;
  /** The client's certificate, when it sent one (see --cert-reqs). */
  readonly clientCertificate: ClientCertificate | null;
}

export interface ClientCertificate {
  /** Fields of the subject's distinguished name: `{ CN: 'alice', O: 'Example' }`. */
  readonly subject: Readonly<Record<string, string | string[]>>;
  readonly issuer: Readonly<Record<string, string | string[]>>;
  /** SHA-256 of the DER certificate, as `AB:CD:...`. */
  readonly fingerprint256: string;
  readonly serialNumber: string;
  readonly validFrom: string;
  readonly validTo: string;
  /** True when it verified against --ca-certs. */
  readonly authorized: boolean;
  readonly authorizationError: string | null;
}

type Listener = (req: IncomingMessage, res: ServerResponse) => void;

export function secureOptions(files: TlsFiles): TlsOptions {
  const asked = files.certReqs !== 'none';
  return {
    cert: files.cert,
    key: files.key,
    ca: files.ca,
    ciphers: files.ciphers,
    minVersion: files.minVersion,
    requestCert: asked,
    // "optional" lets a client without a certificate in; one with a bad
    // certificate is turned away by refusesPeer() (as Python's CERT_OPTIONAL).
    rejectUnauthorized: files.certReqs === 'required',
    ALPNProtocols: files.http2 ? ['h2', 'http/1.1'] : ['http/1.1'],
  };
}

/** Creates the TLS server for one listener: https, or http2 with HTTP/1.1 on the same port. */
export function createTlsServer(files: TlsFiles, http1: Http1Settings, limits: Http2Limits, listener: Listener): Server {
  if (files.http2) return createHttp2Server(secureOptions(files), http1, limits, listener);
  // node:https (and node:tls under it) is loaded by the first TLS listener, not by every worker that imports the engine.
  return (createRequire(import.meta.url)('node:https') as typeof https).createServer({ ...secureOptions(files), ...http1 }, listener);
}

/** Under --cert-reqs optional: a client that sent a certificate which does not verify. */
export function refusesPeer(socket: TLSSocket, files: TlsFiles): boolean {
  if (files.certReqs !== 'optional' || socket.authorized) return false;
  const cert = socket.getPeerCertificate();
  return Boolean(cert && Object.keys(cert).length > 0);
}

function names(value: unknown): Record<string, string | string[]> {
  return value && typeof value === 'object' ? { ...(value as Record<string, string | string[]>) } : {};
}

function certificate(socket: TLSSocket): ClientCertificate | null {
  const cert: PeerCertificate | null = socket.getPeerCertificate();
  if (!cert || Object.keys(cert).length === 0) return null;
  const error = socket.authorizationError as unknown;
  return {
    subject: names(cert.subject),
    issuer: names(cert.issuer),
    fingerprint256: cert.fingerprint256,
    serialNumber: cert.serialNumber,
    validFrom: cert.valid_from,
    validTo: cert.valid_to,
    authorized: socket.authorized,
    authorizationError: socket.authorized || error == null ? null : error instanceof Error ? error.message : String(error),
  };
}

/** The TLS details of the connection under `socket`, or undefined when it is not TLS. */
export function tlsInfo(socket: Socket): TlsInfo | undefined {
  const tls = socket as TLSSocket;
  if (!tls.encrypted) return undefined;
  return {
    protocol: tls.getProtocol(),
    cipher: tls.getCipher().name,
    alpnProtocol: tls.alpnProtocol ?? false,
    clientCertificate: certificate(tls),
  };
}
