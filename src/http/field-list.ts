// Lookups in a flat [name, value, ...] header list (a parsed head's fields, a
// Response's), and the view of a parsed head that ProxyTrust reads as if it
// were node:http's request. Used by the direct fetch path in workers.

import type { IncomingMessage } from 'node:http';
import type { Socket } from 'node:net';

/** The value of a field in a flat [name, value, ...] list, repeats joined; `lower` is lower-case. */
export function fieldValue(list: readonly string[], lower: string, namesLower: boolean): string | undefined {
  let value: string | undefined;
  for (let i = 0; i < list.length; i += 2) {
    const name = list[i]!;
    if (name.length === lower.length && (namesLower ? name === lower : name.toLowerCase() === lower)) value = value === undefined ? list[i + 1]! : `${value}, ${list[i + 1]!}`;
  }
  return value;
}

/** What ProxyTrust (proxy-headers.ts) reads of a node:http request: rawHeaders, headers, socket. */
export function nodeRequestView(raw: readonly string[], socket: Socket): IncomingMessage {
  let headers: Record<string, string> | null = null;
  return {
    rawHeaders: raw,
    socket,
    get headers() {
      if (headers) return headers;
      headers = {};
      for (let i = 0; i < raw.length; i += 2) {
        const name = raw[i]!.toLowerCase();
        headers[name] = headers[name] === undefined ? raw[i + 1]! : `${headers[name]}, ${raw[i + 1]!}`;
      }
      return headers;
    },
  } as unknown as IncomingMessage;
}
