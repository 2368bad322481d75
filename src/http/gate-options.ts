// Turns the resolved config into the strict HTTP/1.1 gate's options (limits,
// parsing leniencies, PROXY protocol, timeouts). Called once by the worker
// before it creates its HttpServer.

import { benchUncheckedHeads } from '../config/env.js';
import type { Config } from '../config/settings.js';
import type { GateOptions } from './connection-gate.js';
import { headRules } from './head-rules.js';
import { peerMatcher } from './peer-matcher.js';

export function gateOptions(config: Config): GateOptions {
  return {
    rules: headRules({
      limitRequestLine: config.limitRequestLine,
      limitRequestFields: config.limitRequestFields,
      limitRequestFieldSize: config.limitRequestFieldSize,
      headerMap: config.headerMap,
      permitObsoleteFolding: config.permitObsoleteFolding,
      stripHeaderSpaces: config.stripHeaderSpaces,
      permitUnconventionalHttpMethod: config.permitUnconventionalHttpMethod,
      permitUnconventionalHttpVersion: config.permitUnconventionalHttpVersion,
      casefoldHttpMethod: config.casefoldHttpMethod,
      secureSchemeHeaders: config.secureSchemeHeaders,
    }),
    proxyMode: config.proxyProtocol,
    proxyAllowed: peerMatcher(config.proxyAllowIps),
    schemeTrusted: peerMatcher(config.forwardedAllowIps),
    parser: config.httpParser,
    ...(benchUncheckedHeads() ? { uncheckedHeads: true } : {}),
    headLimit: config.limitRequestHead,
    headerTimeoutMs: config.headerTimeout * 1000,
    bodyTimeoutMs: config.bodyTimeout * 1000,
  };
}
