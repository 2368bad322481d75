// Runs a real nginx for tests: the recommended deploy/nginx/*.conf, rewritten
// only where a test must (listen ports, upstream servers, paths), in a temp
// dir, in the foreground, stopped after the test file. Also a TLS listener
// with a throwaway self-signed certificate, to show the https scheme.

import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after } from 'node:test';
import { ROOT, waitFor } from './narwhal.js';

export const NGINX = ['/usr/sbin/nginx', '/usr/bin/nginx'].find((p) => existsSync(p)) ?? null;
export const DEPLOY_NGINX = path.join(ROOT, 'deploy/nginx');

const running = new Set<ChildProcess>();
after(() => {
  for (const p of running) p.kill('SIGKILL');
});

/** A loopback port free right now: bound on port 0, read, closed. */
export async function freePort(): Promise<number> {
  const s = net.createServer();
  await new Promise<void>((resolve) => s.listen(0, '127.0.0.1', resolve));
  const port = (s.address() as net.AddressInfo).port;
  await new Promise((resolve) => s.close(resolve));
  return port;
}

function replaceOnce(text: string, re: RegExp, by: string, what: string): string {
  if (!re.test(text)) throw new Error(`deploy/nginx: cannot find ${what} (${re}) to adapt for the test`);
  return text.replace(re, by);
}

/** The recommended config with the upstream servers and listen port swapped in. */
export function adaptedConfig(dir: string, upstreams: readonly string[], port: number): string {
  let conf = readFileSync(path.join(DEPLOY_NGINX, 'narwhal.conf'), 'utf8');
  conf = replaceOnce(conf, /^(\s*)server unix:\S+( [^;\n]*);$/m, upstreams.map((u) => `$1server ${u}$2;`).join('\n'), 'the upstream server line');
  conf = replaceOnce(conf, /^\s*listen 80 default_server;$/m, `    listen 127.0.0.1:${port} default_server;`, 'listen 80');
  conf = replaceOnce(conf, /^\s*listen \[::\]:80 default_server;\n/m, '', 'listen [::]:80');
  return replaceOnce(conf, /include \/etc\/nginx\/snippets\/narwhal-proxy\.conf;/, `include ${path.join(dir, 'narwhal-proxy.conf')};`, 'the snippet include');
}

export interface Nginx {
  readonly port: number;
  readonly tlsPort: number;
  readonly dir: string;
  errorLog(): string;
  stop(): Promise<void>;
}

/** Starts nginx in front of `upstreams` (`unix:/path` or `127.0.0.1:PORT`) and waits until it accepts. */
export async function startNginx(upstreams: readonly string[]): Promise<Nginx> {
  if (!NGINX) throw new Error('nginx is not installed');
  const dir = mkdtempSync(path.join(tmpdir(), 'narwhal-nginx-'));
  const [port, tlsPort] = [await freePort(), await freePort()];
  execFileSync('openssl', ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-keyout', path.join(dir, 'key.pem'), '-out', path.join(dir, 'cert.pem'), '-days', '1', '-subj', '/CN=localhost'], { stdio: 'ignore' });
  writeFileSync(path.join(dir, 'narwhal-proxy.conf'), readFileSync(path.join(DEPLOY_NGINX, 'narwhal-proxy.conf')));
  writeFileSync(path.join(dir, 'narwhal.conf'), adaptedConfig(dir, upstreams, port));
  const tmp = (name: string) => `${name}_temp_path ${path.join(dir, name)};`;
  writeFileSync(
    path.join(dir, 'nginx.conf'),
    `${process.getuid?.() === 0 ? 'user root;\n' : ''}worker_processes 1;
events { worker_connections 512; }
http {
  access_log ${path.join(dir, 'access.log')};
  ${['client_body', 'proxy', 'fastcgi', 'uwsgi', 'scgi'].map(tmp).join('\n  ')}
  include ${path.join(dir, 'narwhal.conf')};
  server {
    listen 127.0.0.1:${tlsPort} ssl;
    ssl_certificate ${path.join(dir, 'cert.pem')};
    ssl_certificate_key ${path.join(dir, 'key.pem')};
    location / { include ${path.join(dir, 'narwhal-proxy.conf')}; }
  }
}
`,
  );
  const errorLog = path.join(dir, 'error.log');
  const proc = spawn(NGINX, ['-p', dir, '-c', path.join(dir, 'nginx.conf'), '-e', errorLog, '-g', `daemon off; pid ${path.join(dir, 'nginx.pid')};`], { stdio: ['ignore', 'ignore', 'pipe'] });
  running.add(proc);
  let stderr = '';
  proc.stderr!.setEncoding('utf8').on('data', (d: string) => (stderr += d));
  let exited = false;
  const done = new Promise<void>((resolve) => proc.once('close', () => ((exited = true), running.delete(proc), resolve())));
  const read = () => (existsSync(errorLog) ? readFileSync(errorLog, 'utf8') : '') + stderr;
  await waitFor(`nginx on port ${port}`, async () => {
    if (exited) throw new Error(`nginx exited:\n${read()}`);
    return new Promise<boolean>((resolve) => {
      const c = net.connect(port, '127.0.0.1', () => (c.destroy(), resolve(true)));
      c.once('error', () => resolve(false));
    });
  });
  return {
    port,
    tlsPort,
    dir,
    errorLog: read,
    async stop() {
      if (!exited) proc.kill('SIGQUIT');
      const timer = setTimeout(() => proc.kill('SIGKILL'), 10_000);
      await done;
      clearTimeout(timer);
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
