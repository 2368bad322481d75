import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { renderSettingsDoc } from '../../../src/config/docs.js';
import { SETTING_KEYS, settingOf } from '../../../src/config/settings.js';
import { ROOT } from '../../helpers/narwhal.js';

test('docs/settings.md is what the settings table generates (run `npm run docs:settings` if not)', () => {
  const onDisk = readFileSync(`${ROOT}/docs/settings.md`, 'utf8');
  assert.equal(onDisk, renderSettingsDoc());
});

test('every setting is documented with its flags and default', () => {
  const doc = renderSettingsDoc();
  for (const key of SETTING_KEYS) {
    const s = settingOf(key);
    assert.ok(doc.includes(`### \`${s.name}\``), `${s.name} has a heading`);
    for (const flag of s.cli) assert.ok(doc.includes(`\`${flag}`), `${flag} is shown`);
  }
});
