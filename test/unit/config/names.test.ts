// One name per setting: every config-file spelling (key, Gunicorn's name, the
// flags' camelCase) belongs to exactly one setting, and the key comes first.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { FILE_KEYS, fileKeysOf } from '../../../src/config/file.js';
import { SETTING_KEYS, settingOf } from '../../../src/config/settings.js';

test('no config-file spelling belongs to two settings', () => {
  const owners = new Map<string, string[]>();
  for (const k of SETTING_KEYS) for (const s of fileKeysOf(k)) owners.set(s, [...(owners.get(s) ?? []), k]);
  assert.deepEqual([...owners].filter(([, ks]) => ks.length > 1), []);
});

test('each setting is found under its key, its Gunicorn name and its long flags', () => {
  for (const k of SETTING_KEYS) {
    const s = settingOf(k);
    if (s.cliOnly) continue;
    assert.equal(fileKeysOf(k)[0], k);
    assert.equal(FILE_KEYS.get(s.name), k, `${s.name}`);
  }
  assert.equal(FILE_KEYS.get('accessLogfile'), 'accesslog');
  assert.equal(FILE_KEYS.get('errorLogfile'), 'errorlog');
  assert.equal(FILE_KEYS.get('raw_env'), 'rawEnv');
  assert.equal(FILE_KEYS.get('env'), 'rawEnv');
  assert.equal(FILE_KEYS.get('health_path'), 'healthPath');
});
