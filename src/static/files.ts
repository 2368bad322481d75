// What a static file is: its content type, whether its name carries a content
// hash, the file a URL path names inside a directory (never outside it), and
// a Range header's bytes. Pure but for the file-system lookups; used by serve.ts.

import { realpathSync, statSync } from '../node-fs.js';
import path from 'node:path';

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

/** Build tools' folders whose files never change under the same name (Next, SvelteKit, Astro, Nuxt). */
const IMMUTABLE_DIRS = ['/_next/static/', '/_app/immutable/', '/_astro/', '/_nuxt/'];
/** `index-BdQq_3hO.js`, `app.3f9a1c2e.css`: a name segment of 8+ characters with a digit or both cases. */
const HASHED_NAME = /[.-]([A-Za-z0-9_]{8,})\.[A-Za-z0-9]+$/;
/** Vite's (Rollup's) 8-character base64url hash, which may hold a `-`: `entry.client-z2C87-9J.js`; an uppercase letter tells it from a name like `header-1234-abc.js`. */
const VITE_HASH = /[.-]([A-Za-z0-9_-]{8})\.[A-Za-z0-9]+$/;

const looksHashed = (hash: string | undefined): boolean => hash !== undefined && (/\d/.test(hash) || (/[a-z]/.test(hash) && /[A-Z]/.test(hash)));

/** Whether a URL path names a file whose name carries its content's hash, so caches may keep it for good. */
export function isHashedAsset(pathname: string): boolean {
  if (IMMUTABLE_DIRS.some((d) => pathname.includes(d))) return true;
  if (looksHashed(HASHED_NAME.exec(pathname)?.[1])) return true;
  const vite = VITE_HASH.exec(pathname)?.[1];
  return vite !== undefined && /[A-Z]/.test(vite) && looksHashed(vite);
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

/** Whether `file`, with symlinks followed, is `root` or under it. */
export function insideRoot(root: string, file: string): boolean {
  let real: string;
  try {
    real = realpathSync(file);
  } catch {
    return false;
  }
  return real === root || real.startsWith(root + path.sep);
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
  // A symlink pointing out of the directory is refused too.
  if (!insideRoot(root, candidate)) return null;
  const real = realpathSync(candidate);
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
