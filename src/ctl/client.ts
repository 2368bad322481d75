// `narwhal ctl`: sends one command to a running master's control socket and
// prints the answer (JSON, or the stacks as text for `dump`). Runs in the CLI
// process, created by cli/main.ts.

import net from 'node:net';
import { NarwhalError } from '../errors.js';
import type { CtlRequest, CtlResponse } from './protocol.js';

const DEADLINE_MS = 10_000;

export function sendCommand(path: string, request: CtlRequest): Promise<CtlResponse> {
  return new Promise((resolve, reject) => {
    const socket = net.connect(path);
    let text = '';
    socket.setEncoding('utf8');
    socket.setTimeout(DEADLINE_MS, () => socket.destroy(new Error('no answer within 10 s')));
    socket.on('connect', () => socket.write(`${JSON.stringify(request)}\n`));
    socket.on('data', (d: string) => (text += d));
    socket.on('error', (e: NodeJS.ErrnoException) =>
      reject(new NarwhalError('USAGE', `cannot reach the control socket ${path}: ${e.code ?? e.message} (is narwhal running with --ctl-socket ${path}?)`)),
    );
    socket.on('end', () => {
      try {
        resolve(JSON.parse(text) as CtlResponse);
      } catch {
        reject(new NarwhalError('USAGE', `the control socket ${path} gave an answer that is not JSON`));
      }
    });
  });
}

/** The text `narwhal ctl` prints for an answer. */
export function formatResult(request: CtlRequest, result: unknown): string {
  if (request.command === 'dump') {
    const { workers } = result as { workers: { text: string }[] };
    return workers.length ? workers.map((w) => w.text).join('\n\n') : 'no workers';
  }
  return JSON.stringify(result, null, 2);
}
