// Static files under URL prefixes (--static /prefix=dir), for production and
// the dev server alike: content types, ETag/Last-Modified with 304, single
// Range requests, precompressed .br/.gz siblings, long-lived caching for hashed
// assets, and no path outside the directory. Pure answers; files.ts resolves
// paths. Created in workers by worker.ts (production) and dev/dev-hooks.ts.

import { createReadStream, realpathSync, statSync, type Stats } from '../node-fs.js';
import type { IncomingMessage, ServerResponse } from 'node:http';
import path from 'node:path';
import { Readable } from 'node:stream';
import type { StaticMount } from '../config/value-types.js';
import { contentType, insideRoot, isHashedAsset, parseRange, resolveInside } from './files.js';

export { contentType, parseRange, resolveInside, isHashedAsset, type Range } from './files.js';

/** A request field's value by lower-case name. */
export type FieldOf = (name: string) => string | undefined;

/** What to send: a status, headers (lower-case names) and a body (a text, a byte range of a file, or none). */
export interface StaticAnswer {
  readonly status: number;
  readonly headers: Record<string, string>;
  readonly body: string | { readonly file: string; readonly start: number; readonly end: number } | null;
}

interface Mount {
  readonly prefix: string;
  readonly root: string;
}

/** A year: what "never changes" means to caches, for files whose names carry their content's hash. */
const IMMUTABLE = 'public, max-age=31536000, immutable';
const ENCODINGS = [
  ['br', '.br'],
  ['gzip', '.gz'],
] as const;

function etagOf(st: Stats): string {
  return `W/"${st.size.toString(16)}-${Math.floor(st.mtimeMs).toString(16)}"`;
}

function notModified(field: FieldOf, etag: string, mtime: Date): boolean {
  const inm = field('if-none-match');
  if (inm !== undefined) return inm.split(',').some((t) => t.trim() === etag || t.trim() === '*');
  const ims = field('if-modified-since');
  return ims !== undefined && Math.floor(mtime.getTime() / 1000) <= Math.floor(Date.parse(ims) / 1000);
}

function plain(status: number, text: string, extra: Record<string, string> = {}): StaticAnswer {
  return { status, headers: { 'content-type': 'text/plain; charset=utf-8', 'content-length': String(Buffer.byteLength(text)), ...extra }, body: text };
}

/** Encodings the client accepts (q > 0), from Accept-Encoding. */
function accepted(header: string | undefined): Set<string> {
  const out = new Set<string>();
  for (const part of (header ?? '').split(',')) {
    const [name, ...params] = part.trim().toLowerCase().split(';');
    const q = params.map((p) => /^\s*q=([\d.]+)/.exec(p)?.[1]).find((v) => v !== undefined);
    if (name && (q === undefined || Number(q) > 0)) out.add(name);
  }
  return out;
}

/** The precompressed sibling to send, if the client takes it; `vary` when any sibling exists. */
function precompressed(root: string, file: string, field: FieldOf): { encoding: string; file: string; st: Stats } | { vary: boolean } {
  const takes = accepted(field('accept-encoding'));
  let vary = false;
  for (const [encoding, ext] of ENCODINGS) {
    const sibling = file + ext;
    const st = statSync(sibling, { throwIfNoEntry: false });
    if (!st?.isFile() || !insideRoot(root, sibling)) continue;
    vary = true;
    if (takes.has(encoding)) return { encoding, file: sibling, st };
  }
  return { vary };
}

function fileAnswer(method: string, field: FieldOf, root: string, file: string, pathname: string): StaticAnswer {
  let st = statSync(file);
  let sent = file;
  const headers: Record<string, string> = { 'content-type': contentType(file), 'accept-ranges': 'bytes', 'cache-control': isHashedAsset(pathname) ? IMMUTABLE : 'no-cache' };
  // A Range is served from the file itself: byte offsets of a compressed copy mean nothing to the client.
  const variant = field('range') === undefined ? precompressed(root, file, field) : { vary: false };
  if ('encoding' in variant) {
    headers['content-encoding'] = variant.encoding;
    headers['vary'] = 'accept-encoding';
    st = variant.st;
    sent = variant.file;
  } else if (variant.vary) headers['vary'] = 'accept-encoding';
  const etag = etagOf(st);
  headers['etag'] = etag;
  headers['last-modified'] = st.mtime.toUTCString();
  if (notModified(field, etag, st.mtime)) return { status: 304, headers, body: null };
  const ifRange = field('if-range');
  const range = ifRange === undefined || ifRange === etag ? parseRange(field('range'), st.size) : null;
  if (range === 'unsatisfiable') return plain(416, 'Range Not Satisfiable\n', { 'content-range': `bytes */${st.size}` });
  const { start, end } = range ?? { start: 0, end: st.size - 1 };
  if (range) headers['content-range'] = `bytes ${start}-${end}/${st.size}`;
  headers['content-length'] = String(Math.max(0, end - start + 1));
  const status = range ? 206 : 200;
  if (method === 'HEAD' || st.size === 0) return { status, headers, body: null };
  return { status, headers, body: { file: sent, start, end } };
}

function mountsOf(mounts: readonly StaticMount[], cwd: string): Mount[] {
  return mounts
    .map((m) => {
      const abs = path.resolve(cwd, m.dir);
      let root = abs;
      try {
        root = realpathSync(abs);
      } catch {
        // A missing directory: every request under it is a 404.
      }
      return { prefix: m.prefix === '/' ? '' : m.prefix.replace(/\/+$/, ''), root };
    })
    .sort((a, b) => b.prefix.length - a.prefix.length);
}

/** Answers requests under the mounts; null for the rest (the app's). */
export function staticAnswerer(mounts: readonly StaticMount[], cwd: string): (method: string, target: string, field: FieldOf) => StaticAnswer | null {
  const list = mountsOf(mounts, cwd);
  return (method, target, field) => {
    const pathname = target.split('?')[0]!;
    const mount = list.find((m) => pathname === m.prefix || pathname.startsWith(`${m.prefix}/`));
    if (!mount) return null;
    if (method !== 'GET' && method !== 'HEAD') return plain(405, 'Method Not Allowed\n', { allow: 'GET, HEAD' });
    const file = resolveInside(mount.root, pathname.slice(mount.prefix.length));
    try {
      if (file) return fileAnswer(method, field, mount.root, file, pathname);
    } catch {
      // Gone between the lookup and the stat: as missing.
    }
    return plain(404, `Not Found: ${pathname}\n`);
  };
}

/** The answers as fetch Responses (`method`, `target`, fields), for paths that speak fetch. */
export function staticResponder(mounts: readonly StaticMount[], cwd: string): (method: string, target: string, field: FieldOf) => Response | null {
  const answer = staticAnswerer(mounts, cwd);
  return (method, target, field) => {
    const a = answer(method, target, field);
    if (!a) return null;
    const body = a.body === null ? null : typeof a.body === 'string' ? a.body : (Readable.toWeb(createReadStream(a.body.file, { start: a.body.start, end: a.body.end })) as ReadableStream<Uint8Array>);
    return new Response(body, { status: a.status, headers: a.headers });
  };
}

/** The same for a fetch Request: null leaves it to the app. */
export function staticFetch(mounts: readonly StaticMount[], cwd: string): (request: Request) => Response | null {
  const respond = staticResponder(mounts, cwd);
  return (request) => {
    const url = new URL(request.url);
    return respond(request.method, url.pathname + url.search, (name) => request.headers.get(name) ?? undefined);
  };
}

/** The answers written on node:http's objects; false leaves the request to the app. */
export function staticHandler(mounts: readonly StaticMount[], cwd: string): (req: IncomingMessage, res: ServerResponse) => boolean {
  const answer = staticAnswerer(mounts, cwd);
  return (req, res) => {
    const a = answer(req.method ?? 'GET', req.url ?? '/', (name) => {
      const v = req.headers[name];
      return Array.isArray(v) ? v.join(', ') : v;
    });
    if (!a) return false;
    res.writeHead(a.status, a.headers);
    if (a.body === null || typeof a.body === 'string') {
      res.end(a.body ?? undefined);
      return true;
    }
    const stream = createReadStream(a.body.file, { start: a.body.start, end: a.body.end });
    // A file that fails mid-way must not look complete: the connection is cut.
    stream.on('error', () => res.destroy());
    stream.pipe(res);
    return true;
  };
}
