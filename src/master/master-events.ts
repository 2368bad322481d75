// What the master's one queue carries: signals, worker reports, control-socket calls and
// ticks, handled in order by the arbiter's named steps. Types only; master only.

import type { RecycleKind } from '../ipc/messages.js';
import type { MasterSignal } from './signals.js';
import type { WorkerHandle } from './worker-handle.js';

export type MasterEvent =
  | { readonly kind: 'signal'; readonly signal: MasterSignal }
  | { readonly kind: 'ready'; readonly worker: WorkerHandle }
  | { readonly kind: 'exit'; readonly worker: WorkerHandle; readonly code: number | null; readonly signal: NodeJS.Signals | null }
  | { readonly kind: 'recycle'; readonly worker: WorkerHandle; readonly recycle: { readonly kind: RecycleKind; readonly reason: string } }
  | { readonly kind: 'call'; readonly run: () => void | Promise<void> }
  | { readonly kind: 'tick' };
