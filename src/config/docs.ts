// Renders docs/settings.md from the settings table. Used by
// `npm run docs:settings` and by the test that fails when the file is stale.

import { SECTIONS, SETTING_KEYS, settingOf } from './settings.js';

function slug(text: string): string {
  return text.toLowerCase().replace(/[^a-z0-9]+/g, '-').replace(/^-|-$/g, '');
}

export function renderSettingsDoc(): string {
  const out: string[] = [
    '# Settings',
    '',
    '<!-- Generated from src/config/settings.ts by `npm run docs:settings`; do not edit by hand. -->',
    '',
    'Every setting can be given on the command line, in `narwhal.config.ts` (as the camelCase key, inside',
    '`defineConfig({ ... })`), or in `NARWHAL_CMD_ARGS` (parsed like the command line). Precedence, lowest',
    'first: defaults < environment defaults (`WEB_CONCURRENCY`, `PORT`, `FORWARDED_ALLOW_IPS`) < config file < `NARWHAL_CMD_ARGS` <',
    'command line. `narwhal --print-config` shows every value and where it came from.',
    '',
  ];
  for (const section of SECTIONS) {
    const keys = SETTING_KEYS.filter((k) => settingOf(k).section === section);
    if (keys.length === 0) continue;
    out.push(`- [${section}](#${slug(section)})`);
  }
  for (const section of SECTIONS) {
    const keys = SETTING_KEYS.filter((k) => settingOf(k).section === section);
    if (keys.length === 0) continue;
    out.push('', `## ${section}`);
    for (const key of keys) {
      const s = settingOf(key);
      const flags = s.cli.length ? s.cli.map((f) => `\`${f}${s.type.isFlag ? '' : ` ${s.type.metavar}`}\``).join(', ') : '(no flag)';
      out.push('', `### \`${s.name}\``, '');
      out.push(`- Command line: ${flags}`);
      out.push(`- Config file: ${s.cliOnly ? '(command line only)' : `\`${key}\`${s.aliases?.length ? ` (also ${s.aliases.map((a) => `\`${a}\``).join(', ')})` : ''}`}`);
      out.push(`- Default: \`${s.type.show(s.default)}\``);
      out.push('', s.summary, '', s.docs);
    }
  }
  return `${out.join('\n')}\n`;
}
