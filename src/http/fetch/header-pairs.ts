// Reads a HeadersInit the way Node's Headers would (names lower-cased, values
// trimmed, the same validity rules) into a flat [name, value, ...] list, without
// building a Headers. Used by light-response.ts when an app makes a Response;
// runs in workers. Anything unusual answers null: the caller then lets Node's
// own constructor read the input, so the same errors are thrown.

const TOKEN = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;
// After trimming, a value may not hold NUL, CR or LF; a ByteString holds no code unit above 0xFF.
const BAD_VALUE = /[\0\r\n\u0100-\uffff]/;
const EDGE_SPACE = /^[\t\n\r ]+|[\t\n\r ]+$/g;

function isEdgeSpace(code: number): boolean {
  return code === 0x20 || code === 0x09 || code === 0x0a || code === 0x0d;
}

function normalized(value: string): string {
  if (value.length === 0) return value;
  if (!isEdgeSpace(value.charCodeAt(0)) && !isEdgeSpace(value.charCodeAt(value.length - 1))) return value;
  return value.replace(EDGE_SPACE, '');
}

/** Appends one field to `out`; false when Node's Headers would throw or convert the value some other way. */
function push(out: string[], name: unknown, value: unknown): boolean {
  if (typeof name !== 'string' || !TOKEN.test(name)) return false;
  // Numbers convert to the same string Node's ByteString conversion gives; other types are left to Node.
  const text = typeof value === 'string' ? normalized(value) : typeof value === 'number' ? String(value) : null;
  if (text === null || BAD_VALUE.test(text)) return false;
  out.push(name.toLowerCase(), text);
  return true;
}

function fromPairs(init: unknown[], out: string[]): boolean {
  for (const pair of init) {
    if (!Array.isArray(pair) || pair.length !== 2 || !push(out, pair[0], pair[1])) return false;
  }
  return true;
}

function fromRecord(init: Record<string, unknown>, out: string[]): boolean {
  // Node's record conversion throws on symbol keys; leave those to it.
  if (Object.getOwnPropertySymbols(init).length > 0) return false;
  for (const name of Object.keys(init)) if (!push(out, name, init[name])) return false;
  return true;
}

/**
 * The fields of `init` as Node's Headers would hold them, repeats kept as
 * separate entries; null when Node's own conversion must decide.
 */
export function headerPairs(init: unknown): string[] | null {
  const out: string[] = [];
  if (init === undefined) return out;
  if (Array.isArray(init)) return fromPairs(init, out) ? out : null;
  if (typeof init !== 'object' || init === null) return null;
  const proto = Object.getPrototypeOf(init);
  // A plain record first: naming the global Headers loads Node's undici (Node 20), which a record does not need.
  if (proto === Object.prototype || proto === null) return fromRecord(init as Record<string, unknown>, out) ? out : null;
  if (init instanceof Headers) {
    // Iterating gives each Set-Cookie apart and the other repeats joined, names lower-cased.
    for (const [name, value] of init) out.push(name, value);
    return out;
  }
  return null;
}

/** True when a flat list holds `name` (lower-case). */
export function hasField(pairs: readonly string[], name: string): boolean {
  for (let i = 0; i < pairs.length; i += 2) if (pairs[i] === name) return true;
  return false;
}

/** A Headers as a flat list: each Set-Cookie apart, the other repeats joined (Node's iteration). */
export function flatHeaders(headers: Headers): string[] {
  const out: string[] = [];
  for (const [name, value] of headers) out.push(name, value);
  return out;
}

/** A flat list as the [name, value][] that Node's constructors take. */
export function pairList(flat: readonly string[]): [string, string][] {
  const out: [string, string][] = [];
  for (let i = 0; i < flat.length; i += 2) out.push([flat[i]!, flat[i + 1]!]);
  return out;
}
