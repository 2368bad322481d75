// The autoscaling rows of the settings table: the worker range beside
// --workers, and the thresholds and periods the master's autoscaler uses.
// Spread into SETTINGS by settings.ts, after `workers`.

import { setting } from './setting-row.js';
import { int, seconds } from './value-types.js';

export const SCALING_SETTINGS = {
  maxWorkers: setting({
    name: 'max_workers',
    section: 'Worker processes',
    cli: ['--max-workers'],
    type: int({ min: 0 }),
    default: 0,
    summary: 'Autoscale between --workers and this many workers (0: a fixed --workers).',
    docs: 'With `--workers 2 --max-workers 8` the master adds workers while every worker is busy (or the listen backlog is not empty) and retires them one at a time, gracefully, after a quiet period; never fewer than `--workers`. Must be 0 or at least `--workers`. See docs/autoscaling.md.',
  }),
  scaleUpBusy: setting({
    name: 'scale_up_busy',
    section: 'Worker processes',
    cli: ['--scale-up-busy'],
    type: int({ min: 1, max: 100 }),
    default: 80,
    summary: 'Autoscaling: a worker whose event loop is busy at least this % of the time is saturated.',
    docs: 'Event-loop utilisation, as `performance.eventLoopUtilization()` measures it in each worker. Workers are added when every ready worker is at or above it (or the backlog is not empty) for `--scale-up-after`.',
  }),
  scaleDownBusy: setting({
    name: 'scale_down_busy',
    section: 'Worker processes',
    cli: ['--scale-down-busy'],
    type: int({ min: 0, max: 100 }),
    default: 30,
    summary: 'Autoscaling: the fleet is quiet while every worker is busy less than this %.',
    docs: 'A worker is retired after `--scale-down-after` of quiet, and only when the load the fleet carries would leave the remaining workers below the midpoint of the two thresholds: the gap between them is what keeps a steady load from adding and removing workers in turn.',
  }),
  scaleUpAfter: setting({
    name: 'scale_up_after',
    section: 'Worker processes',
    cli: ['--scale-up-after'],
    type: seconds(),
    default: 1,
    summary: 'Autoscaling: how long saturation must last before workers are added.',
    docs: 'Counted again from the moment the last added worker is ready, so each step is judged with the new worker taking its share.',
  }),
  scaleDownAfter: setting({
    name: 'scale_down_after',
    section: 'Worker processes',
    cli: ['--scale-down-after'],
    type: seconds(),
    default: 30,
    summary: 'Autoscaling: the quiet period after which one worker is retired.',
    docs: 'Counted again after every change of the count, so the fleet shrinks by at most one worker per period.',
  }),
  scaleStep: setting({
    name: 'scale_step',
    section: 'Worker processes',
    cli: ['--scale-step'],
    type: int({ min: 1 }),
    default: 1,
    summary: 'Autoscaling: how many workers one scale-up adds.',
    docs: 'Never past `--max-workers`. Scale-downs always retire one worker at a time.',
  }),
  scaleInterval: setting({
    name: 'scale_interval',
    section: 'Worker processes',
    cli: ['--scale-interval'],
    type: seconds({ min: 0.05 }),
    default: 0.5,
    summary: 'Autoscaling: how often workers report their load and the master reads the backlog.',
    docs: 'Each report carries the worker\'s event-loop utilisation over the interval, its requests in flight, open connections and resident memory.',
  }),
  maxFleetMemory: setting({
    name: 'max_fleet_memory',
    section: 'Worker processes',
    cli: ['--max-fleet-memory'],
    type: int({ min: 0 }),
    default: 0,
    summary: 'Autoscaling: add no worker while the workers\' total RSS is above this many MiB (0: no limit).',
    docs: 'The memory guard: the sum of every live worker\'s resident memory as it last reported it. Holding is logged once, with the figures; scale-downs still happen.',
  }),
} as const;
