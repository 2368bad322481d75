// Static files for the dev server (--static /prefix=dir), as runserver serves
// them: content types, ETag/Last-Modified with 304, single Range requests, and
// no path outside the directory. Each answer is a fetch Response, written by
// whichever HTTP path carries the request. Created by dev-hooks.ts in a worker.

import { createReadStream, realpathSync, statSync, type Stats } from 'node:fs';
import type { IncomingMessage, ServerResponse } from 'node:http';
import path from 'node:path';
import { Readable } from 'node:stream';
import type { StaticMount } from '../config/spec.js';
import { sendResponse } from '../http/fetch-adapter.js';

/** A request field's value by lower-case name. */
export type FieldOf = (name: string) => string | undefined;

const TYPES: Readonly<Record<string, string>> = {
  '.html': 'text/html; charset=utf-8', '.htm': 'text/html; charset=utf-8', '.css': 'text/css; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8', '.mjs': 'text/javascript; charset=utf-8', '.json': 'application/json',
  '.map': 'application/json', '.txt': 'text/plain; charset=utf-8', '.md': 'text/markdown; charset=utf-8',
  '.xml': 'application/xml', '.svg': 'image/svg+xml', '.png': 'image/png', '.jpg': 'image/jpeg', '.jpeg': 'image/jpeg',
  '.gif': 'image/gif', '.webp': 'image/webp', '.avif': 'image/avif', '.ico': 'image/x-icon', '.woff': 'font/woff',
  '.woff2': 'font/woff2', '.ttf': 'font/ttf', '.otf': 'font/otf', '.wasm': 'application/wasm', '.pdf': 'application/pdf',
  '.mp4': 'video/mp4', '.webm': 'video/webm', '.mp3': 'audio/mpeg', '.wav': 'audio/wav', '.csv': 'text/csv; charset=utf-8',
  '.webmanifest': 'application/manifest+json', '.zip': 'application/zip',
};

export function contentType(file: string): string {
  return TYPES[path.extname(file).toLowerCase()] ?? 'application/octet-stream';
}

interface Mount {
  readonly prefix: string;
  readonly root: string;
}

export type Range = { readonly start: number; readonly end: number } | 'unsatisfiable' | null;

/** One `bytes=` range of a `size`-byte file; null (serve it all) for anything else, as RFC 9110 allows. */
export function parseRange(header: string | undefined, size: number): Range {
  const m = header ? /^bytes=(\d*)-(\d*)$/.exec(header.trim()) : null;
  if (!m || (m[1] === '' && m[2] === '')) return null;
  if (m[1] === '') {
    const n = Number(m[2]);
    if (n === 0) return 'unsatisfiable';
    return { start: Math.max(0, size - n), end: size - 1 };
  }
  const start = Number(m[1]);
  const end = m[2] === '' ? size - 1 : Math.min(Number(m[2]), size - 1);
  if (start >= size || end < start) return 'unsatisfiable';
  return { start, end };
}

function etagOf(st: Stats): string {
  return `W/"${st.size.toString(16)}-${Math.floor(st.mtimeMs).toString(16)}"`;
}

function notModified(field: FieldOf, etag: string, mtime: Date): boolean {
  const inm = field('if-none-match');
  if (inm !== undefined) return inm.split(',').some((t) => t.trim() === etag || t.trim() === '*');
  const ims = field('if-modified-since');
  return ims !== undefined && Math.floor(mtime.getTime() / 1000) <= Math.floor(Date.parse(ims) / 1000);
}

function plain(status: number, text: string, extra: Record<string, string> = {}): Response {
  return new Response(text, { status, headers: { 'content-type': 'text/plain; charset=utf-8', 'content-length': String(Buffer.byteLength(text)), ...extra } });
}

/** The file under `root` a URL path names, or null when it would leave `root` or is not a file. */
export function resolveInside(root: string, rest: string): string | null {
  let decoded: string;
  try {
    decoded = decodeURIComponent(rest);
  } catch {
    return null;
  }
  if (decoded.includes('\0')) return null;
  const candidate = path.resolve(root, `.${path.posix.normalize(`/${decoded}`)}`);
  if (candidate !== root && !candidate.startsWith(root + path.sep)) return null;
  let real: string;
  try {
    real = realpathSync(candidate);
  } catch {
    return null;
  }
  // A symlink pointing out of the directory is refused too.
  if (real !== root && !real.startsWith(root + path.sep)) return null;
  try {
    const st = statSync(real);
    if (st.isDirectory()) {
      const index = path.join(real, 'index.html');
      return statSync(index, { throwIfNoEntry: false })?.isFile() ? index : null;
    }
    return st.isFile() ? real : null;
  } catch {
    return null;
  }
}

function fileResponse(method: string, field: FieldOf, file: string): Response {
  const st = statSync(file);
  const etag = etagOf(st);
  const headers: Record<string, string> = {
    'content-type': contentType(file),
    etag,
    'last-modified': st.mtime.toUTCString(),
    'accept-ranges': 'bytes',
    'cache-control': 'no-cache',
  };
  if (notModified(field, etag, st.mtime)) return new Response(null, { status: 304, headers });
  const ifRange = field('if-range');
  const range = ifRange === undefined || ifRange === etag ? parseRange(field('range'), st.size) : null;
  if (range === 'unsatisfiable') return plain(416, 'Range Not Satisfiable\n', { 'content-range': `bytes */${st.size}` });
  const { start, end } = range ?? { start: 0, end: st.size - 1 };
  if (range) headers['content-range'] = `bytes ${start}-${end}/${st.size}`;
  headers['content-length'] = String(Math.max(0, end - start + 1));
  const status = range ? 206 : 200;
  if (method === 'HEAD' || st.size === 0) return new Response(null, { status, headers });
  const body = Readable.toWeb(createReadStream(file, { start, end })) as ReadableStream<Uint8Array>;
  return new Response(body, { status, headers });
}

/** Answers requests under the mounts; null for the rest. */
export function staticResponder(mounts: readonly StaticMount[], cwd: string): (method: string, target: string, field: FieldOf) => Response | null {
  const list: Mount[] = mounts
    .map((m) => {
      const abs = path.resolve(cwd, m.dir);
      let root = abs;
      try {
        root = realpathSync(abs);
      } catch {
        // A missing directory: every request under it is a 404.
      }
      return { prefix: m.prefix === '/' ? '' : m.prefix, root };
    })
    .sort((a, b) => b.prefix.length - a.prefix.length);
  return (method, target, field) => {
    const pathname = target.split('?')[0]!;
    const mount = list.find((m) => pathname === m.prefix || pathname.startsWith(`${m.prefix}/`));
    if (!mount) return null;
    if (method !== 'GET' && method !== 'HEAD') return plain(405, 'Method Not Allowed\n', { allow: 'GET, HEAD' });
    const file = resolveInside(mount.root, pathname.slice(mount.prefix.length));
    try {
      if (file) return fileResponse(method, field, file);
    } catch {
      // Gone between the lookup and the stat: as missing.
    }
    return plain(404, `Not Found: ${pathname}\n`);
  };
}

/** The same answers for node:http's objects; false leaves the request to the app. */
export function staticHandler(mounts: readonly StaticMount[], cwd: string): (req: IncomingMessage, res: ServerResponse) => boolean {
  const respond = staticResponder(mounts, cwd);
  return (req, res) => {
    const response = respond(req.method ?? 'GET', req.url ?? '/', (name) => {
      const v = req.headers[name];
      return Array.isArray(v) ? v.join(', ') : v;
    });
    if (!response) return false;
    sendResponse(req, res, response)?.catch(() => res.destroy());
    return true;
  };
}
