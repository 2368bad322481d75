// Decides, from the master's records alone, how many workers to start and
// which to retire: keep `target` workers of the current generation, and retire
// older ones (or ones waiting to be recycled) only as new ones are ready. Pure.

import type { RecycleKind } from '../ipc/messages.js';
import type { RetireReason, WorkerState } from './worker-handle.js';

export interface FleetMember {
  readonly state: WorkerState;
  readonly generation: number;
  readonly bornAt: number;
  readonly recycle: { readonly kind: RecycleKind } | null;
}

export interface FleetPlan<W> {
  readonly spawn: number;
  readonly retire: readonly { readonly worker: W; readonly reason: RetireReason }[];
  /** No older worker is left serving and the current generation is all ready. */
  readonly settled: boolean;
  readonly readyCurrent: number;
}

/** Booting leftovers first (they serve nobody yet), then the oldest. */
const retireOrder = (a: FleetMember, b: FleetMember) => Number(a.state === 'ready') - Number(b.state === 'ready') || a.bornAt - b.bornAt;

export function planFleet<W extends FleetMember>(workers: Iterable<W>, generation: number, target: number, canSpawn: boolean): FleetPlan<W> {
  const live = [...workers].filter((w) => w.state !== 'retiring');
  // A worker waiting to be recycled counts as old: it is replaced, then retired.
  const current = live.filter((w) => w.generation === generation && !w.recycle);
  const old = live.filter((w) => w.generation !== generation || w.recycle).sort(retireOrder);
  const spawn = canSpawn ? Math.max(0, target - current.length) : 0;
  const readyCurrent = current.filter((w) => w.state === 'ready').length;
  const retire: { worker: W; reason: RetireReason }[] = [];
  const retiredOld = Math.min(old.length, Math.max(0, old.length + readyCurrent - target));
  for (const worker of old.slice(0, retiredOld)) retire.push({ worker, reason: worker.recycle?.kind ?? 'reload' });
  const oldLeft = old.length - retiredOld;
  if (oldLeft === 0 && current.length > target) {
    for (const worker of [...current].sort(retireOrder).slice(0, current.length - target)) retire.push({ worker, reason: 'scale-down' });
  }
  return { spawn, retire, settled: oldLeft === 0 && readyCurrent >= target, readyCurrent };
}
