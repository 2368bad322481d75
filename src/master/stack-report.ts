// Turns a watchdog report into the lines the master logs: the request a worker
// was serving, for how long, and the JavaScript stack where it is. Pure
// functions; used by the arbiter (WORKER TIMEOUT) and the control socket (dump).

import type { RequestReport, WatchdogReport } from '../ipc/messages.js';

const seconds = (ms: number): string => `${(ms / 1000).toFixed(1)} s`;

export function describeRequest(r: RequestReport, now = Date.now()): string {
  return `${r.method} ${r.path} (running for ${seconds(now - r.startedAt)})`;
}

/** The indented body of a report: request(s), then the stack. */
export function reportLines(report: WatchdogReport | null, now = Date.now()): string[] {
  if (!report) return ['  (the watchdog did not answer, or --no-watchdog: no stack available)'];
  const lines: string[] = [];
  if (report.current) lines.push(`  while serving ${describeRequest(report.current, now)}`);
  const others = report.inFlight.filter((r) => !report.current || r.startedAt !== report.current.startedAt || r.path !== report.current.path);
  if (!report.current && others.length === 0) lines.push('  no request in flight');
  if (others.length) lines.push(`  ${report.current ? 'other requests' : 'requests'} in flight: ${others.map((r) => describeRequest(r, now)).join('; ')}`);
  if (report.frames) {
    lines.push('  JavaScript stack:');
    for (const f of report.frames) lines.push(`    ${f}`);
  } else {
    lines.push(report.error ? `  no stack: ${report.error}` : `  event loop idle (last turned ${report.loopLagMs} ms ago)`);
  }
  return lines;
}

export function timeoutMessage(pid: number, silentMs: number, timeout: number, report: WatchdogReport | null): string {
  return [`WORKER TIMEOUT (pid:${pid}): event loop blocked, no heartbeat for ${seconds(silentMs)} (timeout ${timeout} s)`, ...reportLines(report)].join('\n');
}
