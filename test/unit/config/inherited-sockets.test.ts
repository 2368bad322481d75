import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readInheritedSockets, workerEnv } from '../../../src/config/env.js';

test('NARWHAL_FD names the sockets an old master handed over, with their labels', () => {
  assert.deepEqual(readInheritedSockets({ NARWHAL_FD: '3,4', NARWHAL_FD_LABELS: '["http://127.0.0.1:8000","unix:/x"]' }, 1), {
    from: 'upgrade',
    fds: [3, 4],
    labels: ['http://127.0.0.1:8000', 'unix:/x'],
  });
});

test('LISTEN_FDS counts only when LISTEN_PID is this process', () => {
  assert.deepEqual(readInheritedSockets({ LISTEN_FDS: '2', LISTEN_PID: '77', LISTEN_FDNAMES: 'web:' }, 77), {
    from: 'systemd',
    fds: [3, 4],
    labels: ['fd://3 (web)', 'fd://4'],
  });
  assert.equal(readInheritedSockets({ LISTEN_FDS: '2', LISTEN_PID: '78' }, 77), null);
  assert.equal(readInheritedSockets({}, 77), null);
});

test('workers never see the socket hand-over variables', () => {
  const env = workerEnv({ A: '1' });
  assert.equal(env['A'], '1');
  for (const name of ['NARWHAL_FD', 'NARWHAL_FD_LABELS', 'LISTEN_FDS', 'LISTEN_PID']) assert.equal(env[name], undefined);
});
