import assert from 'node:assert/strict';
import { test } from 'node:test';
import { planFleet, type FleetMember } from '../../../src/master/fleet.js';

let born = 0;
const w = (state: FleetMember['state'], generation: number, recycle: FleetMember['recycle'] = null): FleetMember & { name: string } => ({ state, generation, bornAt: born++, recycle, name: `${state}@${generation}#${born}` });
const names = (plan: ReturnType<typeof planFleet<ReturnType<typeof w>>>) => plan.retire.map((r) => `${r.worker.state}@${r.worker.generation}:${r.reason}`);

test('a fresh start spawns the target', () => {
  const plan = planFleet([], 1, 3, true);
  assert.equal(plan.spawn, 3);
  assert.deepEqual(plan.retire, []);
});

test('a reload retires one old worker per new ready one, never before', () => {
  const old = [w('ready', 1), w('ready', 1)];
  let plan = planFleet([...old, w('booting', 2), w('booting', 2)], 2, 2, true);
  assert.equal(plan.spawn, 0);
  assert.deepEqual(names(plan), []);
  assert.equal(plan.settled, false);
  plan = planFleet([...old, w('ready', 2), w('booting', 2)], 2, 2, true);
  assert.deepEqual(names(plan), ['ready@1:reload']);
  assert.equal(plan.retire[0]!.worker, old[0], 'the oldest goes first');
  plan = planFleet([w('ready', 2), w('ready', 2)], 2, 2, true);
  assert.equal(plan.settled, true);
});

test('booting leftovers of an abandoned generation go before serving workers', () => {
  const plan = planFleet([w('ready', 1), w('booting', 2), w('ready', 3)], 3, 2, true);
  assert.equal(plan.spawn, 1);
  assert.deepEqual(names(plan), ['booting@2:reload']);
});

test('a recycling worker is replaced first, then retired with its reason', () => {
  const recycling = w('ready', 1, { kind: 'max-requests' });
  assert.equal(planFleet([recycling, w('ready', 1)], 1, 2, true).spawn, 1);
  const plan = planFleet([recycling, w('ready', 1), w('ready', 1)], 1, 2, true);
  assert.deepEqual(names(plan), ['ready@1:max-requests']);
});

test('scale-down retires the surplus, booting ones first; no spawn while backing off', () => {
  const plan = planFleet([w('ready', 1), w('ready', 1), w('booting', 1)], 1, 1, true);
  assert.deepEqual(names(plan), ['booting@1:scale-down', 'ready@1:scale-down']);
  assert.equal(planFleet([w('ready', 1)], 1, 3, false).spawn, 0);
  assert.equal(planFleet([w('retiring', 1)], 1, 1, true).spawn, 1, 'retiring workers do not count');
});
