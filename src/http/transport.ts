// Which parser reads a listener's HTTP/1.1 and the node:http settings that go
// with it: node:http's own (llhttp) unless --http-parser strict or a setting
// needs the strict one, else the strict gate in front. Used by HttpServer in workers.

import type { GateOptions } from './connection-gate.js';
import type { Http1Settings } from './tls.js';

/** node:http's own parser reads the socket unless a leniency or the PROXY protocol needs the strict one. */
export function usesNativeParser(gate: GateOptions): boolean {
  const { parser = 'auto', proxyMode, rules: r } = gate;
  return parser !== 'strict' && proxyMode === 'off' && !r.permitObsoleteFolding && !r.stripHeaderSpaces && !r.permitUnconventionalHttpMethod && !r.permitUnconventionalHttpVersion && !r.casefoldHttpMethod;
}

/**
 * A fetch-style app on plain HTTP/1.1 is served straight from the strict gate
 * (fetch-connection.ts) unless --http-parser native: that path costs less per
 * request than node:http with the fetch adapter (docs/benchmarks.md).
 */
export function servesDirect(gate: GateOptions, kind: 'fetch' | 'node', upgrades: boolean): boolean {
  return kind === 'fetch' && !upgrades && gate.parser !== 'native';
}

export function http1Settings(gate: GateOptions, keepaliveSeconds: number, native: boolean): Http1Settings {
  const { rules, headLimit = 0, headerTimeoutMs } = gate;
  // Behind the gate every head is checked already, so the parser's own limit must not be tighter.
  const gated = Math.min(rules.limitRequestLine + rules.maxHeaderBytes + 256, 2 ** 31 - 1);
  return {
    keepAliveTimeout: keepaliveSeconds * 1000,
    maxHeaderSize: native && headLimit > 0 ? headLimit : gated,
    // Gunicorn serves HTTP/1.1 requests without Host; the checks refuse repeated ones.
    requireHostHeader: false,
    // Bodies are timed per stall (--body-timeout), not per request.
    requestTimeout: 0,
    // node:http times the head itself on native listeners, checked this often.
    ...(native ? { headersTimeout: headerTimeoutMs, connectionsCheckingInterval: Math.max(250, Math.min(1000, headerTimeoutMs / 4)) } : {}),
  };
}
