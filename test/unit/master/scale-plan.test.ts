import assert from 'node:assert/strict';
import { test } from 'node:test';
import { FRESH_MEMORY, planScale, planShedding, type ScaleInputs, type ScaleMemory, type ScaleSettings } from '../../../src/master/scale-plan.js';

const settings: ScaleSettings = { min: 2, max: 5, upBusy: 0.8, downBusy: 0.3, upAfterMs: 1000, downAfterMs: 10_000, step: 1, memoryCeilingBytes: 0 };
const inputs = (over: Partial<ScaleInputs>): ScaleInputs => ({ now: 0, target: 2, utilisation: [0.5, 0.5], booting: 0, retiring: 0, backlog: 0, fleetRssBytes: 0, ...over });

/** Feeds the planner one sample per `everyMs` from `from` to `to`, carrying its memory; returns every decision that was not 'none'. */
function run(sample: (now: number) => Partial<ScaleInputs>, s: ScaleSettings, from: number, to: number, everyMs = 500, start: ScaleMemory = FRESH_MEMORY) {
  let memory = start;
  const out: { now: number; action: string; target?: number; reason: string }[] = [];
  for (let now = from; now <= to; now += everyMs) {
    const r = planScale(inputs({ now, ...sample(now) }), s, memory);
    memory = r.memory;
    if (r.decision.action !== 'none') out.push({ now, action: r.decision.action, reason: r.decision.reason, ...('target' in r.decision ? { target: r.decision.target } : {}) });
  }
  return out;
}

test('saturation of every worker for the sustain period adds a step, with the reason', () => {
  const d = run(() => ({ utilisation: [0.95, 0.85] }), settings, 0, 1000);
  assert.equal(d.length, 1);
  assert.equal(d[0]!.now, 1000, 'not before the saturation has lasted upAfterMs');
  assert.equal(d[0]!.action, 'up');
  assert.equal(d[0]!.target, 3);
  assert.match(d[0]!.reason, /all 2 workers busy \(least 85% >= 80%\) for 1\.0 s/);
});

test('one worker with spare time is not saturation; a non-empty backlog is', () => {
  assert.deepEqual(run(() => ({ utilisation: [0.99, 0.5] }), settings, 0, 5000), []);
  const d = run(() => ({ utilisation: [0.2, 0.1], backlog: 4 }), settings, 0, 1000);
  assert.equal(d[0]?.action, 'up');
  assert.match(d[0]!.reason, /listen backlog 4/);
});

test('a dip in the middle restarts the sustain period', () => {
  const d = run((now) => ({ utilisation: now === 500 ? [0.9, 0.4] : [0.9, 0.9] }), settings, 0, 1500);
  assert.deepEqual(d, [], 'saturated again only from 1000 ms');
  assert.equal(run((now) => ({ utilisation: now === 500 ? [0.9, 0.4] : [0.9, 0.9] }), settings, 0, 2000).length, 1);
});

test('the step never passes the maximum, and nothing is judged while a worker boots', () => {
  const big = { ...settings, step: 3 };
  assert.equal(run(() => ({ target: 4, utilisation: [1, 1, 1, 1] }), big, 0, 1000)[0]!.target, 5);
  assert.deepEqual(run(() => ({ target: 5, utilisation: [1, 1, 1, 1, 1] }), big, 0, 5000), [], 'at the maximum');
  assert.deepEqual(run(() => ({ target: 3, booting: 1, utilisation: [1, 1] }), settings, 0, 5000), [], 'a new worker counts once ready');
});

test('quiet for the quiet period retires one worker, never below the minimum, one at a time', () => {
  const d = run(() => ({ target: 4, utilisation: [0.05, 0.1, 0.05, 0.0] }), settings, 0, 10_000);
  assert.equal(d.length, 1);
  assert.equal(d[0]!.now, 10_000);
  assert.equal(d[0]!.action, 'down');
  assert.equal(d[0]!.target, 3);
  assert.match(d[0]!.reason, /quiet for 10\.0 s \(busiest 10% < 30%\)/);
  assert.deepEqual(run(() => ({ target: 2, utilisation: [0, 0] }), settings, 0, 60_000), [], 'at the minimum');
  assert.deepEqual(run(() => ({ target: 4, retiring: 1, utilisation: [0, 0, 0] }), settings, 0, 60_000), [], 'while one still drains');
});

test('no scale-down when the remaining workers would be past the midpoint of the marks', () => {
  // 0.29 x 3 = 0.87 over 2 workers is 0.435 < 0.55: down. 0.29 x 2 over 1 is 0.58 > 0.55: not.
  assert.equal(run(() => ({ target: 3, utilisation: [0.29, 0.29, 0.29] }), settings, 0, 10_000)[0]?.action, 'down');
  assert.deepEqual(run(() => ({ target: 2, utilisation: [0.29, 0.29] }), { ...settings, min: 1 }, 0, 60_000), []);
});

test('a steady load near either mark changes the count a bounded number of times', () => {
  // Simulate a fleet: a fixed amount of work (in worker-equivalents) spread over the ready workers, with noise.
  for (const work of [0.55, 0.8, 1.6, 1.65, 2.4, 0.58]) {
    const s = { ...settings, min: 1, max: 8 };
    let target = 1;
    let memory = FRESH_MEMORY;
    let changes = 0;
    let seed = 7;
    const noise = () => ((seed = (seed * 16807) % 2147483647) / 2147483647 - 0.5) * 0.1;
    for (let now = 0; now <= 600_000; now += 500) {
      const utilisation = Array.from({ length: target }, () => Math.min(1, Math.max(0, work / target + noise())));
      const r = planScale(inputs({ now, target, utilisation }), s, memory);
      memory = r.memory;
      if (r.decision.action === 'up' || r.decision.action === 'down') {
        target = r.decision.target;
        changes++;
      }
    }
    assert.ok(changes <= 3, `work ${work}: ${changes} changes in ten minutes`);
  }
});

test('the memory guard holds the count, says so once, and lets go when memory falls', () => {
  const s = { ...settings, memoryCeilingBytes: 100 * 1024 * 1024 };
  let rss = 150 * 1024 * 1024;
  const d = run((now) => (now >= 4000 && (rss = 50 * 1024 * 1024), { utilisation: [1, 1], fleetRssBytes: rss }), s, 0, 4000);
  assert.equal(d[0]!.action, 'hold');
  assert.match(d[0]!.reason, /150 MiB, at or above --max-fleet-memory 100 MiB/);
  assert.equal(d.filter((x) => x.action === 'hold').length, 1, 'told once');
  assert.equal(d.at(-1)!.action, 'up', 'released once memory is under the ceiling');
  assert.deepEqual(d.filter((x) => x.action === 'up').map((x) => x.now), [4000]);
});

test('a saturated worker over its share sheds the excess, only when another has spare time', () => {
  const w = (name: string, utilisation: number, connections: number, shedAt = 0) => ({ worker: name, utilisation, connections, shedAt });
  assert.deepEqual(planShedding([w('old', 0.99, 8), w('new', 0, 0)], 0.8, 10_000, 5000), [{ worker: 'old', connections: 4 }]);
  assert.deepEqual(planShedding([w('a', 0.99, 8), w('b', 0.95, 0)], 0.8, 10_000, 5000), [], 'nobody to take them');
  assert.deepEqual(planShedding([w('old', 0.99, 8, 8000), w('new', 0, 0)], 0.8, 10_000, 5000), [], 'asked recently');
  assert.deepEqual(planShedding([w('a', 0.99, 3), w('b', 0.99, 3), w('c', 0.1, 2)], 0.8, 10_000, 5000), [], 'within their share');
  assert.deepEqual(planShedding([w('only', 1, 10)], 0.8, 10_000, 5000), []);
});
