// Helpers for dev-server tests: a copy of the dev-app fixture in a fresh temp
// dir (the tests edit it), and `narwhal dev` started on an OS-chosen port.

import { cpSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after } from 'node:test';
import { FIXTURES, Narwhal, waitFor } from './narwhal.js';

/** Copies the fixture; it is removed when the test file ends unless `keep` (the caller removes it). */
export function copyDevApp(opts: { keep?: boolean } = {}): string {
  const dir = mkdtempSync(path.join(tmpdir(), 'narwhal-dev-'));
  cpSync(path.join(FIXTURES, 'dev-app'), dir, { recursive: true });
  if (!opts.keep) after(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

export interface DevServer extends Narwhal {
  readonly url: string;
}

/** `narwhal dev ARGS` in `cwd` on 127.0.0.1:0, once its first worker is ready and its files are watched. */
export async function startDev(args: readonly string[], opts: { cwd: string; env?: NodeJS.ProcessEnv; execPath?: string }): Promise<DevServer> {
  const n = new Narwhal(['dev', '--bind', '127.0.0.1:0', ...args], opts);
  const m = await n.waitForLog(/Listening at: http:\/\/127\.0\.0\.1:(\d+)/);
  await waitFor(`a ready worker in:\n${n.output}`, () => n.readyPids().length >= 1 || (n.exit ? Promise.reject(new Error(`narwhal exited early:\n${n.output}`)) : false), 20_000);
  await n.waitForLog(/Watching \d+ files? for changes/);
  return Object.assign(n, { url: `http://127.0.0.1:${m[1]}` });
}
