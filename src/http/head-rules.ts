// Gunicorn 26's rules for an HTTP/1.x request head (request line, header
// fields, body framing), as pure functions over the head's text. Used by the
// connection gate in workers before node:http's parser sees a byte.

import { METHODS } from './node-http.js';
import { HttpError } from './http-error.js';
import { checkHost } from './wire/host.js';

/** The settings these rules read, already resolved. */
export interface HeadRulesConfig {
  readonly limitRequestLine: number;
  readonly limitRequestFields: number;
  readonly limitRequestFieldSize: number;
  readonly headerMap: 'drop' | 'refuse' | 'dangerous';
  readonly permitObsoleteFolding: boolean;
  readonly stripHeaderSpaces: boolean;
  readonly permitUnconventionalHttpMethod: boolean;
  readonly permitUnconventionalHttpVersion: boolean;
  readonly casefoldHttpMethod: boolean;
  readonly secureSchemeHeaders: Readonly<Record<string, string>>;
}

export interface HeadRules extends HeadRulesConfig {
  /** The most bytes of header fields (after the request line) before 431. */
  readonly maxHeaderBytes: number;
}

/** Gunicorn's hard maxima and what 0 means for each limit. */
export function headRules(c: HeadRulesConfig): HeadRules {
  const line = c.limitRequestLine <= 0 || c.limitRequestLine >= 8190 ? 8190 : c.limitRequestLine;
  const fields = c.limitRequestFields <= 0 || c.limitRequestFields > 32768 ? 32768 : c.limitRequestFields;
  const fieldSize = c.limitRequestFieldSize <= 0 ? 8190 : c.limitRequestFieldSize;
  const secure: Record<string, string> = {};
  for (const [k, v] of Object.entries(c.secureSchemeHeaders)) secure[k.toLowerCase()] = v;
  return {
    ...c,
    limitRequestLine: line,
    limitRequestFields: fields,
    limitRequestFieldSize: fieldSize,
    secureSchemeHeaders: secure,
    maxHeaderBytes: fields * (fieldSize + 2) + 4,
  };
}

/** A header the gate adds to rewritten heads; a client's own copy is dropped. */
export const FIXUP_HEADER = 'x-narwhal-fixup';

export interface RequestHead {
  /** As the app sees them. */
  readonly method: string;
  readonly target: string;
  readonly major: number;
  readonly minor: number;
  /** Flat [name, value, ...] in wire order: names as sent, values trimmed. */
  readonly headers: string[];
  /** Body framing: a length (0 for none) or chunked. */
  readonly body: number | 'chunked';
  /** The connection ends after this request. */
  readonly close: boolean;
  /** A protocol switch (WebSocket): what follows the head is not HTTP/1.1 if the app accepts. */
  readonly upgrade: boolean;
  /** Close even though node:http would keep the connection (a coded body). */
  readonly forceClose: boolean;
  /** What node:http's parser is given, when the wire bytes cannot be. */
  readonly forward: { method: string; target: string; headers: string[]; fixHeaders: boolean } | null;
}

const TOKEN = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;
const METHOD_UNCONVENTIONAL = /[a-z#]/;
const VERSION = /^HTTP\/(\d)\.(\d)$/;
const VALUE_BAD = /[\x00-\x08\x0a-\x1f\x7f]/;
const LINE_BAD = /[\x00-\x1f\x7f]/;
/** Any control character in a head other than HTAB and the CRLFs between lines. */
const HEAD_BAD = /[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]|\r(?!\n)|(?<!\r)\n/;
const DIGITS = /^\d+$/;
/** Targets node:http's parser takes unchanged; others reach it as `/` and are restored. */
const PARSER_SAFE_TARGET = /^(?:\/|[A-Za-z][A-Za-z0-9+.-]*:\/\/)[A-Za-z0-9\-._~!$&'()*+,;=:@/?#%"[\]]*$/;
const AUTHORITY = /^(?:\[[0-9A-Fa-f:.]+\]|[A-Za-z0-9\-._~%!$&'()*+,;=]+):\d+$/;
const ABSOLUTE = /^[A-Za-z][A-Za-z0-9+.-]*:\/\//;
/** Methods node:http's parser knows, except CONNECT, which it hands over as a tunnel. */
const PARSER_METHODS = new Set(METHODS.filter((m) => m !== 'CONNECT'));

const bad = (msg: string): never => {
  throw new HttpError(400, msg);
};

function checkMethod(method: string, rules: HeadRules): string {
  if (!rules.permitUnconventionalHttpMethod && (METHOD_UNCONVENTIONAL.test(method) || method.length < 3 || method.length > 20)) bad(`invalid method ${JSON.stringify(method)}`);
  if (!TOKEN.test(method)) bad(`invalid method ${JSON.stringify(method)}`);
  return rules.casefoldHttpMethod ? method.toUpperCase() : method;
}

function checkAbsolute(target: string): void {
  const rest = target.slice(target.indexOf('://') + 3);
  const end = rest.search(/[/?#]/);
  let authority = end < 0 ? rest : rest.slice(0, end);
  authority = authority.slice(authority.lastIndexOf('@') + 1);
  if (authority.startsWith('[') ? !/^\[[0-9A-Fa-f:.]+\](?::\d*)?$/.test(authority) : /[[\]]/.test(authority)) bad('invalid request target');
}

export function checkTarget(method: string, target: string): void {
  if (target === '') bad('empty request target');
  if (LINE_BAD.test(target)) bad('control character in request target');
  if (method === 'CONNECT') {
    if (!AUTHORITY.test(target)) bad('CONNECT needs an authority-form target');
  } else if (target === '*') {
    if (method !== 'OPTIONS') bad('asterisk-form target is only for OPTIONS');
  } else if (ABSOLUTE.test(target)) {
    checkAbsolute(target);
  } else if (target[0] !== '/') {
    bad('invalid request target');
  }
}

/** The first index from `i` that is not SP (only SP: a tab in a request line is refused, as by llhttp). */
function skipSp(line: string, i: number): number {
  while (line.charCodeAt(i) === 32) i++;
  return i;
}

/**
 * Parses and checks the request line. RFC 9112 section 3 lets a server split it on
 * whitespace: runs of SP between the three parts are taken (as llhttp takes them),
 * SP before the method or after the version is not.
 */
function requestLine(line: string, rules: HeadRules): { wireMethod: string; method: string; target: string; major: number; minor: number } {
  const sp1 = line.indexOf(' ');
  const from = sp1 < 0 ? -1 : skipSp(line, sp1);
  const sp2 = from < 0 ? -1 : line.indexOf(' ', from);
  if (sp2 < 0) bad('invalid request line');
  const wireMethod = line.slice(0, sp1);
  const method = checkMethod(wireMethod, rules);
  const target = line.slice(from, sp2);
  checkTarget(method, target);
  const m = VERSION.exec(line.slice(skipSp(line, sp2)));
  if (!m) bad('invalid HTTP version');
  const major = Number(m![1]);
  const minor = Number(m![2]);
  if (major !== 1 && !rules.permitUnconventionalHttpVersion) bad(`unsupported HTTP version ${major}.${minor}`);
  return { wireMethod, method, target, major, minor };
}

function trimSpTab(s: string): string {
  let a = 0;
  let b = s.length;
  while (a < b && (s.charCodeAt(a) === 32 || s.charCodeAt(a) === 9)) a++;
  while (b > a && (s.charCodeAt(b - 1) === 32 || s.charCodeAt(b - 1) === 9)) b--;
  return a === 0 && b === s.length ? s : s.slice(a, b);
}

/** The header fields, flat, and the few that frame the request, for framing() and connection(). */
interface Fields {
  readonly headers: string[];
  /** The wire form changed (a field dropped, a name or value rewritten). */
  readonly changed: boolean;
  /** Flat [lowercase name, name as sent, value, ...] of the framing and connection fields, in wire order. */
  readonly framed: string[];
}

/** Fields framing() and connection() read; collected while the names are at hand in lowercase. */
const FRAMING_FIELDS = new Set(['content-length', 'transfer-encoding', 'connection', 'upgrade', 'host', 'content-type']);

/** Reads the header fields; returns them flat, whether the wire form changed, and the framing fields. */
function headerFields(lines: string[], rules: HeadRules, trustedScheme: SchemeTrust, checkValues: boolean): Fields {
  const headers: string[] = [];
  const framed: string[] = [];
  let changed = false;
  let scheme: string | null = null;
  for (let i = 1; i < lines.length; i++) {
    if (headers.length / 2 >= rules.limitRequestFields) throw new HttpError(431, 'too many header fields');
    const line = lines[i]!;
    const colon = line.indexOf(':');
    if (colon <= 0) bad('header field without a name or colon');
    let name = line.slice(0, colon);
    if (rules.stripHeaderSpaces && /[ \t]$/.test(name)) {
      name = name.replace(/[ \t]+$/, '');
      changed = true;
    }
    if (!TOKEN.test(name)) bad(`invalid header name ${JSON.stringify(name)}`);
    let value = trimSpTab(line.slice(colon + 1));
    let length = line.length + 2;
    while (i + 1 < lines.length && (lines[i + 1]![0] === ' ' || lines[i + 1]![0] === '\t')) {
      if (!rules.permitObsoleteFolding) bad(`obsolete line folding in ${name}`);
      const cont = lines[++i]!;
      length += cont.length + 2;
      if (length > rules.limitRequestFieldSize) throw new HttpError(431, 'header field too long');
      value = `${value} ${trimSpTab(cont)}`;
      changed = true;
    }
    if (checkValues && VALUE_BAD.test(value)) bad(`invalid character in ${name}`);
    if (length > rules.limitRequestFieldSize) throw new HttpError(431, 'header field too long');
    const lower = name.toLowerCase();
    const secure = rules.secureSchemeHeaders[lower];
    if (secure !== undefined && (trustedScheme === true || (trustedScheme !== false && trustedScheme()))) {
      const s = value === secure ? 'https' : 'http';
      if (scheme !== null && scheme !== s) bad('conflicting secure scheme headers');
      scheme = s;
    }
    if (lower === FIXUP_HEADER || (name.includes('_') && rules.headerMap !== 'dangerous')) {
      if (rules.headerMap === 'refuse' && lower !== FIXUP_HEADER) bad(`header name with an underscore: ${name}`);
      changed = true;
      continue;
    }
    headers.push(name, value);
    if (FRAMING_FIELDS.has(lower)) {
      framed.push(lower, name, value);
      if (lower === 'transfer-encoding') transferEncodingLine(line, colon, value);
      // llhttp refuses whitespace after a coding that RFC 9110 5.5 allows: it gets the trimmed form.
      if (lower === 'transfer-encoding' && line.length !== colon + 1 + value.length && line.length !== colon + 2 + value.length) changed = true;
    }
  }
  return { headers, changed, framed };
}

/**
 * A tab after a final `chunked` is refused (400), as node:http's parser refuses it: RFC 9112
 * section 5.1 would trim it as whitespace, but llhttp cannot frame such a body, so the two
 * parsers could only agree on a refusal (llhttp's after the head; this one at once, and the
 * native path defers the app until llhttp has had its say).
 */
function transferEncodingLine(line: string, colon: number, value: string): void {
  const at = line.lastIndexOf(value);
  const after = at + value.length;
  if (at > colon && after < line.length && line.includes('\t', after) && /chunked$/i.test(value)) bad('invalid Transfer-Encoding');
}

export interface Framing {
  body: number | 'chunked';
  forceClose: boolean;
  /** The Transfer-Encoding fields are not a lone `chunked` node:http can take as sent. */
  teRewrite: boolean;
}

/**
 * Only `chunked` is a transfer coding a request may use (RFC 9112 6.1: a
 * server answers a coding it does not implement with 501). A coding after
 * `chunked` leaves the body's end unknown: 400 (RFC 9112 6.3).
 */
function transferCoding(value: string, state: { chunked: boolean; other: string | null }): void {
  for (const raw of value.split(',')) {
    const coding = trimSpTab(raw).toLowerCase();
    if (state.chunked) bad(coding === 'chunked' ? 'chunked applied twice' : 'chunked must be the last transfer coding');
    if (coding === 'chunked') state.chunked = true;
    else if (!TOKEN.test(coding)) bad('invalid Transfer-Encoding');
    else state.other ??= coding;
  }
}

/** `framed`: Fields.framed, in wire order so the first fault is the one reported. Checks Host too (wire/host.ts). */
export function framing(framed: string[], minor: number, major: number): Framing {
  let length: number | null = null;
  let te = 0;
  let loneChunked = false;
  const state: { chunked: boolean; other: string | null } = { chunked: false, other: null };
  const hosts: string[] = [];
  let contentType = false;
  for (let i = 0; i < framed.length; i += 3) {
    const lower = framed[i]!;
    const value = framed[i + 2]!;
    if (lower === 'content-length') {
      if (length !== null) bad('repeated Content-Length');
      if (!DIGITS.test(value)) bad('invalid Content-Length');
      length = Number(value);
      if (!Number.isSafeInteger(length)) bad('Content-Length too large');
    } else if (lower === 'transfer-encoding') {
      te++;
      loneChunked = value.toLowerCase() === 'chunked';
      transferCoding(value, state);
    } else if (lower === 'host') {
      hosts.push(value);
    } else if (lower === 'content-type') {
      if (contentType) bad(`repeated ${framed[i + 1]}`);
      contentType = true;
    }
  }
  // Host is read here, where both parsers pass the framing fields.
  checkHost(hosts, major, minor);
  if (te > 0 && length !== null) bad('both Content-Length and Transfer-Encoding');
  if (state.other !== null) throw new HttpError(501, `unsupported transfer coding ${JSON.stringify(state.other)}`);
  if (state.chunked) {
    if (major === 1 && minor === 0) bad('chunked body in HTTP/1.0');
    return { body: 'chunked', forceClose: false, teRewrite: !(te === 1 && loneChunked) };
  }
  return { body: length ?? 0, forceClose: false, teRewrite: te > 0 };
}

/** What the Connection fields say: close after this request, or switch protocols. */
function connection(framed: string[], major: number, minor: number): { close: boolean; upgrade: boolean } {
  let tokens: string[] | null = null;
  let upgradeField = false;
  for (let i = 0; i < framed.length; i += 3) {
    const lower = framed[i]!;
    if (lower === 'connection') (tokens ??= []).push(...framed[i + 2]!.toLowerCase().split(',').map(trimSpTab));
    else if (lower === 'upgrade') upgradeField = true;
  }
  const close = tokens?.includes('close') || (major === 1 && minor === 0 && !tokens?.includes('keep-alive'));
  return { close: Boolean(close), upgrade: upgradeField && Boolean(tokens?.includes('upgrade')) };
}

/** Whether the peer may set the secure-scheme headers; a function when the answer needs the peer's address, asked only if such a header comes. */
export type SchemeTrust = boolean | (() => boolean);

/**
 * Parses one request head: `text` is the request line and header lines,
 * without the blank line that ends them, decoded as latin1. Throws HttpError.
 * `trustedScheme`: the peer may set the secure-scheme headers.
 */
export function parseHead(text: string, rules: HeadRules, trustedScheme: SchemeTrust): RequestHead {
  const lines = text.split('\r\n');
  const line = lines[0]!;
  if (line.length > rules.limitRequestLine) bad('request line too long');
  // One scan of the whole head; only a head with a control character is checked line by line.
  const suspect = HEAD_BAD.test(text);
  if (suspect && LINE_BAD.test(line)) bad('control character in request line');
  const rl = requestLine(line, rules);
  const fields = headerFields(lines, rules, trustedScheme, suspect);
  const fr = framing(fields.framed, rl.minor, rl.major);
  const conn = connection(fields.framed, rl.major, rl.minor);
  const close = conn.close || fr.forceClose;
  const fwdMethod = PARSER_METHODS.has(rl.method) ? rl.method : 'GET';
  const fwdTarget = rl.method === 'CONNECT' || !(PARSER_SAFE_TARGET.test(rl.target) || rl.target === '*') ? '/' : rl.target;
  let forward: RequestHead['forward'] = null;
  if (fields.changed || fr.teRewrite || fwdMethod !== rl.wireMethod || fwdTarget !== rl.target || rl.major !== 1) {
    let fwdHeaders = fields.headers;
    if (fr.teRewrite) {
      fwdHeaders = fwdHeaders.filter((_, i, a) => (i % 2 === 0 ? a[i] : a[i - 1])!.toLowerCase() !== 'transfer-encoding');
      if (fr.body === 'chunked') fwdHeaders.push('Transfer-Encoding', 'chunked');
    }
    forward = { method: fwdMethod, target: fwdTarget, headers: fwdHeaders, fixHeaders: fr.teRewrite };
  }
  return { method: rl.method, target: rl.target, major: rl.major, minor: rl.minor, headers: fields.headers, body: fr.body, close, upgrade: conn.upgrade && rl.method === 'GET', forceClose: fr.forceClose, forward };
}
