// Decides, from load samples alone, whether the fleet should grow, shrink or
// hold, and which saturated workers should shed kept-alive connections. Pure:
// inputs are the samples, the settings and the clock; the memory it returns is
// handed back on the next call. Used by autoscaler.ts; master only.

export interface ScaleSettings {
  readonly min: number;
  readonly max: number;
  /** Event-loop utilisation, 0..1, at or above which a worker is saturated. */
  readonly upBusy: number;
  /** Below this every worker must be for the fleet to be quiet. */
  readonly downBusy: number;
  readonly upAfterMs: number;
  readonly downAfterMs: number;
  readonly step: number;
  /** The memory guard: no scale-up while the workers' total RSS is at or above this (0: none). */
  readonly memoryCeilingBytes: number;
}

export interface ScaleInputs {
  readonly now: number;
  readonly target: number;
  /** The utilisation of every ready worker (a silent one counts as 1, one not heard from yet as 0). */
  readonly utilisation: readonly number[];
  readonly booting: number;
  readonly retiring: number;
  /** Connections queued in the kernel, summed over the listeners (0 where unknown). */
  readonly backlog: number;
  readonly fleetRssBytes: number;
}

export interface ScaleMemory {
  readonly saturatedSince: number | null;
  readonly quietSince: number | null;
  /** Set while the memory guard holds the count, so the hold is told once. */
  readonly holding: boolean;
}

export const FRESH_MEMORY: ScaleMemory = { saturatedSince: null, quietSince: null, holding: false };

export type ScaleDecision =
  | { readonly action: 'up' | 'down'; readonly target: number; readonly reason: string }
  | { readonly action: 'hold'; readonly reason: string }
  | { readonly action: 'none' };

const pct = (u: number) => `${Math.round(u * 100)}%`;
const secs = (ms: number) => `${(ms / 1000).toFixed(1)} s`;
const mib = (b: number) => `${Math.round(b / 1024 / 1024)} MiB`;
const plural = (n: number, word: string) => `${n} ${word}${n === 1 ? '' : 's'}`;

function saturation(inputs: ScaleInputs, s: ScaleSettings): string | null {
  const u = inputs.utilisation;
  if (u.length === 0) return null;
  if (inputs.backlog > 0) return `listen backlog ${inputs.backlog}`;
  const lowest = Math.min(...u);
  return lowest >= s.upBusy ? `all ${plural(u.length, 'worker')} busy (least ${pct(lowest)} >= ${pct(s.upBusy)})` : null;
}

/**
 * Quiet: every worker under the low mark, no backlog, and the load the fleet
 * carries would leave one fewer worker under the midpoint of the two marks,
 * so the retirement cannot itself cause the next scale-up.
 */
function quiet(inputs: ScaleInputs, s: ScaleSettings): string | null {
  const u = inputs.utilisation;
  if (u.length < 2 || inputs.backlog > 0) return null;
  const busiest = Math.max(...u);
  const projected = u.reduce((a, b) => a + b, 0) / (u.length - 1);
  if (busiest >= s.downBusy || projected >= (s.upBusy + s.downBusy) / 2) return null;
  return `busiest ${pct(busiest)} < ${pct(s.downBusy)}`;
}

export function planScale(inputs: ScaleInputs, s: ScaleSettings, memory: ScaleMemory): { decision: ScaleDecision; memory: ScaleMemory } {
  const { now, target } = inputs;
  // A new worker counts once it is ready: until then nothing is judged.
  if (inputs.booting > 0) return { decision: { action: 'none' }, memory: { ...memory, saturatedSince: null, quietSince: null } };
  const busy = saturation(inputs, s);
  const calm = busy ? null : quiet(inputs, s);
  const saturatedSince = busy ? (memory.saturatedSince ?? now) : null;
  const quietSince = calm ? (memory.quietSince ?? now) : null;
  const next: ScaleMemory = { saturatedSince, quietSince, holding: memory.holding && busy !== null };
  if (busy && target < s.max && now - saturatedSince! >= s.upAfterMs) {
    if (s.memoryCeilingBytes > 0 && inputs.fleetRssBytes >= s.memoryCeilingBytes) {
      if (memory.holding) return { decision: { action: 'none' }, memory: next };
      const reason = `${busy} for ${secs(now - saturatedSince!)}, but the workers use ${mib(inputs.fleetRssBytes)}, at or above --max-fleet-memory ${mib(s.memoryCeilingBytes)}`;
      return { decision: { action: 'hold', reason }, memory: { ...next, holding: true } };
    }
    const to = Math.min(s.max, target + s.step);
    return { decision: { action: 'up', target: to, reason: `${busy} for ${secs(now - saturatedSince!)}` }, memory: FRESH_MEMORY };
  }
  // One at a time: the next retirement waits until the last one has drained.
  if (calm && target > s.min && inputs.retiring === 0 && now - quietSince! >= s.downAfterMs) {
    return { decision: { action: 'down', target: target - 1, reason: `quiet for ${secs(now - quietSince!)} (${calm})` }, memory: FRESH_MEMORY };
  }
  return { decision: { action: 'none' }, memory: next };
}

export interface ShedInput<W> {
  readonly worker: W;
  readonly utilisation: number;
  readonly connections: number;
  /** When this worker was last asked to shed (0: never). */
  readonly shedAt: number;
}

/**
 * Kept-alive connections stay with the worker that accepted them: a saturated
 * worker holding more than its share sheds the excess, but only while some
 * worker has spare time to take the clients that reconnect.
 */
export function planShedding<W>(ready: readonly ShedInput<W>[], upBusy: number, now: number, cooldownMs: number): { worker: W; connections: number }[] {
  if (ready.length < 2 || !ready.some((w) => w.utilisation < upBusy)) return [];
  const share = Math.ceil(ready.reduce((a, w) => a + w.connections, 0) / ready.length);
  return ready
    .filter((w) => w.utilisation >= upBusy && w.connections > share && now - w.shedAt >= cooldownMs)
    .map((w) => ({ worker: w.worker, connections: w.connections - share }));
}
