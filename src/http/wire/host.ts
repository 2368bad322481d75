// The Host rule of RFC 9112 section 3.2 and RFC 9110 section 7.2, written once
// for both HTTP/1.1 parsers (head-rules.ts for the strict one, parsed-head.ts
// for llhttp's): exactly one Host on HTTP/1.1, at most one on HTTP/1.0, and
// only a valid uri-host [":" port]. Runs in workers.

import { isIPv6 } from 'node:net';
import { HttpError } from '../http-error.js';

/**
 * reg-name without the comma (a comma makes the singleton a list) or `%` pairs
 * broken; IPv4 fits it too. IP-literal is checked apart.
 */
const REG_NAME = /^(?:[A-Za-z0-9\-._~!$&'()*+;=]|%[0-9A-Fa-f]{2})*$/;
const IP_LITERAL = /^\[(?:[0-9A-Fa-f:.]+|v[0-9A-Fa-f]+\.[A-Za-z0-9\-._~!$&'()*+,;=:]+)\]$/;
const PORT = /^\d{0,5}$/;
/** Names the URL parser takes as they are: dotted labels, the last not numeric (no IPv4 parse), no punycode. */
const SIMPLE = /^(?:[A-Za-z0-9-]+\.)*[A-Za-z-][A-Za-z0-9-]*\.?$/;
const IPV4 = /^(?:(?:25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)\.){3}(?:25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)$/;

const bad = (msg: string): never => {
  throw new HttpError(400, msg);
};

/**
 * Whether `value` is dotted-decimal IPv4 (no leading zeros, each part up to 255) with an optional
 * port of up to 5 digits and at most 65535: what the expressions below accept for it, read in one
 * pass. Clients addressing a server by IP (a balancer's probe, a local client) send this on every request.
 */
function plainIpv4(value: string): boolean {
  const length = value.length;
  let dots = 0;
  let digits = 0;
  let part = 0;
  let i = 0;
  for (; i < length; i++) {
    const c = value.charCodeAt(i);
    if (c >= 48 && c <= 57) {
      if (digits > 0 && part === 0) return false;
      part = part * 10 + c - 48;
      digits++;
      if (part > 255) return false;
    } else if (c === 46 && digits > 0 && dots < 3) {
      dots++;
      digits = 0;
      part = 0;
    } else break;
  }
  if (dots !== 3 || digits === 0) return false;
  if (i === length) return true;
  if (value.charCodeAt(i) !== 58 /* : */ || length - i - 1 > 5) return false;
  let port = 0;
  for (let j = i + 1; j < length; j++) {
    const c = value.charCodeAt(j);
    if (c < 48 || c > 57) return false;
    port = port * 10 + c - 48;
  }
  return port <= 65535;
}

/** Why `value` is not `uri-host [ ":" port ]`, or null. An empty value is allowed (RFC 9110 7.2). */
export function hostFault(value: string): string | null {
  if (value === '' || plainIpv4(value)) return null;
  let host = value;
  let port: string | null = null;
  const close = value.lastIndexOf(']');
  const colon = value.lastIndexOf(':');
  if (colon > close) {
    host = value.slice(0, colon);
    port = value.slice(colon + 1);
  }
  if (host.startsWith('[') ? !IP_LITERAL.test(host) : !REG_NAME.test(host)) return 'invalid Host';
  if (port !== null && (!PORT.test(port) || Number(port) > 65535)) return 'invalid port in Host';
  // A fetch-style app's URL is built from the Host: both contracts refuse what
  // the URL parser would (999.1.1.1, a%2F, bad punycode), so they agree.
  if (!(IPV4.test(host) || (SIMPLE.test(host) && !/(?:^|\.)xn--/i.test(host))) && !URL.canParse(`http://${host}/`)) return 'invalid Host';
  return null;
}

/**
 * Checks the Host fields of one request: `values` in wire order (trimmed).
 * Throws HttpError(400). For an absolute-form target the server uses the
 * target's authority (RFC 9112 3.2.2), but a Host sent beside it is still
 * checked: the rule is on the message.
 */
export function checkHost(values: readonly string[], major: number, minor: number): void {
  if (values.length > 1) bad('repeated Host');
  if (values.length === 0) {
    if (major === 1 && minor >= 1) bad('HTTP/1.1 request without Host');
    return;
  }
  const fault = hostFault(values[0]!);
  if (fault) bad(fault);
}

/** The authority a request without a usable Host names: the listener's own address, an IPv6 one bracketed. */
export function listenerAuthority(address: string | undefined, port: number | undefined): string {
  const host = address ?? 'localhost';
  return `${isIPv6(host) ? `[${host}]` : host}:${port ?? ''}`;
}
