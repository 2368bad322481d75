// Sends log lines to syslog as RFC 3164 messages over UDP, TCP or a unix
// stream socket. Created by log/create.ts in the master and in each worker.

import { createRequire } from 'node:module';
import type dgram from 'node:dgram';
import net from 'node:net';
import { hostname } from 'node:os';
import type { Level } from './logger.js';

/** node:dgram is loaded when a socket is made, not with the module: every master and worker imports this file, few use it. */
const loadDgram = (): typeof dgram => createRequire(import.meta.url)('node:dgram') as typeof dgram;

const FACILITY: Record<string, number> = {
  kern: 0, user: 1, mail: 2, daemon: 3, auth: 4, syslog: 5, lpr: 6, news: 7, uucp: 8, cron: 9, authpriv: 10, ftp: 11,
  local0: 16, local1: 17, local2: 18, local3: 19, local4: 20, local5: 21, local6: 22, local7: 23,
};
const SEVERITY: Record<Level, number> = { critical: 2, error: 3, warning: 4, info: 6, debug: 7 };
const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

/** RFC 3164's timestamp: `Nov 25 03:04:05`, day padded with a space. */
function stamp(d = new Date()): string {
  const p = (n: number) => String(n).padStart(2, '0');
  return `${MONTHS[d.getMonth()]} ${String(d.getDate()).padStart(2, ' ')} ${p(d.getHours())}:${p(d.getMinutes())}:${p(d.getSeconds())}`;
}

export function parseSyslogAddr(addr: string): { kind: 'udp' | 'tcp'; host: string; port: number } | { kind: 'unix'; path: string } {
  const m = /^(udp|tcp):\/\/(\[[^\]]+\]|[^:/]+)(?::(\d+))?\/?$/.exec(addr);
  if (m) return { kind: m[1] as 'udp' | 'tcp', host: m[2]!.replace(/^\[|\]$/g, ''), port: Number(m[3] ?? 514) };
  if (addr.startsWith('unix://')) return { kind: 'unix', path: addr.slice('unix://'.length) };
  throw new Error(`"${addr}" is not udp://HOST:PORT, tcp://HOST:PORT or unix:///path`);
}

export class SyslogClient {
  readonly #target: ReturnType<typeof parseSyslogAddr>;
  readonly #facility: number;
  readonly #host = hostname();
  #udp: dgram.Socket | null = null;
  #stream: net.Socket | null = null;

  constructor(addr: string, facility: string) {
    this.#target = parseSyslogAddr(addr);
    this.#facility = FACILITY[facility] ?? 1;
  }

  /** Sends one message; a syslog that is down loses the line, never the server. */
  send(level: Level, tag: string, text: string): void {
    const msg = `<${this.#facility * 8 + SEVERITY[level]}>${stamp()} ${this.#host} ${tag}: ${text}`;
    const t = this.#target;
    if (t.kind === 'udp') {
      this.#udp ??= this.#openUdp(t.host);
      this.#udp.send(msg, t.port, t.host);
      return;
    }
    if (!this.#stream || this.#stream.destroyed) {
      this.#stream = 'path' in t ? net.connect(t.path) : net.connect(t.port, t.host);
      this.#stream.on('error', () => this.#stream?.destroy());
      this.#stream.unref();
    }
    this.#stream.write(`${msg}\n`);
  }

  #openUdp(host: string): dgram.Socket {
    const socket = loadDgram().createSocket(net.isIPv6(host) ? 'udp6' : 'udp4');
    socket.on('error', () => {});
    socket.unref();
    return socket;
  }

  close(): void {
    this.#udp?.close();
    this.#stream?.end();
  }
}
