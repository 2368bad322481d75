// Parses a bind address (`HOST:PORT`, `[::1]:PORT`, `unix:/path`, `fd://N`,
// `:PORT`, `PORT`). Pure; the config validates with it, the master binds with it.

export type Address =
  | { readonly kind: 'tcp'; readonly host: string; readonly port: number; readonly family: 4 | 6 }
  | { readonly kind: 'unix'; readonly path: string }
  | { readonly kind: 'fd'; readonly fd: number };

export function parseAddress(spec: string): Address {
  const s = spec.trim();
  if (s.startsWith('unix:')) {
    const path = s.slice(5).replace(/^\/\/(?=\/)/, '');
    if (!path) throw new Error('a unix socket needs a path, as unix:/run/app.sock');
    return { kind: 'unix', path };
  }
  if (s.startsWith('fd://')) {
    const fd = Number(s.slice(5));
    if (!Number.isInteger(fd) || fd < 0) throw new Error('fd:// needs a file descriptor number, as fd://3');
    return { kind: 'fd', fd };
  }
  if (s.startsWith('/') || s.startsWith('./')) return { kind: 'unix', path: s };
  let host: string;
  let portText: string;
  if (s.startsWith('[')) {
    const end = s.indexOf(']');
    if (end < 0) throw new Error('an IPv6 address needs brackets and a port, as [::1]:8000');
    host = s.slice(1, end);
    portText = s.slice(end + 1).replace(/^:/, '') || '8000';
  } else if (/^\d+$/.test(s)) {
    host = '127.0.0.1';
    portText = s;
  } else {
    const colon = s.lastIndexOf(':');
    if (colon >= 0 && s.indexOf(':') !== colon) throw new Error('put an IPv6 address in brackets, as [::1]:8000');
    host = colon >= 0 ? s.slice(0, colon) : s;
    portText = colon >= 0 ? s.slice(colon + 1) : '8000';
    if (!host) host = '0.0.0.0';
  }
  if (!/^\d+$/.test(portText) || Number(portText) > 65535) throw new Error(`"${portText}" is not a port number (0-65535)`);
  if (host === 'localhost') host = '127.0.0.1';
  const family = host.includes(':') ? 6 : 4;
  if (family === 4 && !/^[\w.-]+$/.test(host)) throw new Error(`"${host}" is not a host name or address`);
  return { kind: 'tcp', host, port: Number(portText), family };
}

/** How an address reads in logs: a URL for TCP, the spec otherwise. */
export function showAddress(a: Address, port?: number): string {
  switch (a.kind) {
    case 'tcp':
      return `http://${a.family === 6 ? `[${a.host}]` : a.host}:${port ?? a.port}`;
    case 'unix':
      return `unix:${a.path}`;
    case 'fd':
      return `fd://${a.fd}`;
  }
}
