// Renders docs/settings.md from the settings table. Used by
// `npm run docs:settings` and by the test that fails when the file is stale.

import { fileKeysOf } from './file.js';
import { SECTIONS, SETTING_KEYS, type SettingKey, settingOf } from './settings.js';

function slug(text: string): string {
  return text.toLowerCase().replace(/[^a-z0-9]+/g, '-').replace(/^-|-$/g, '');
}

/** The environment variables the table's envDefault functions read, by setting (for --help and this doc). */
export const ENV_DEFAULTS: Partial<Record<SettingKey, { readonly name: string; readonly value: string }>> = {
  bind: { name: 'PORT', value: '0.0.0.0:$PORT' },
  workers: { name: 'WEB_CONCURRENCY', value: '$WEB_CONCURRENCY' },
  forwardedAllowIps: { name: 'FORWARDED_ALLOW_IPS', value: '$FORWARDED_ALLOW_IPS' },
};

/** One row per setting: the flag, the config-file key, the other file spellings, Gunicorn's name. */
function namesTable(): string[] {
  const rows = SETTING_KEYS.map((key) => {
    const s = settingOf(key);
    const flag = s.cli.filter((f) => f.startsWith('--')).map((f) => `\`${f}\``).join(', ') || '(none)';
    const file = s.cliOnly ? '(command line only)' : `\`${key}\``;
    const also = fileKeysOf(key).slice(1).map((k) => `\`${k}\``).join(', ');
    const env = ENV_DEFAULTS[key];
    return `| ${flag} | ${file} | ${also} | \`${s.name}\` | ${env ? `\`${env.name}\`` : ''} |`;
  });
  return ['| Flag | Config file key | Also accepted in the file | Gunicorn\'s name | Default from |', '| --- | --- | --- | --- | --- |', ...rows];
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
    'command line. `narwhal --print-config` shows every value, under the key a config file takes, and where it',
    'came from.',
    '',
    '## Names',
    '',
    'A setting has one name in a config file, the camelCase key that `--print-config` prints and',
    '`defineConfig` types. Where Gunicorn\'s name (`raw_env`, `accesslog`) or the flag (`--access-logfile`)',
    'spells it otherwise, the file takes those spellings too; giving one setting twice is an error.',
    '',
    ...namesTable(),
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
      const also = fileKeysOf(key).slice(1);
      out.push(`- Config file: ${s.cliOnly ? '(command line only)' : `\`${key}\`${also.length ? ` (also ${also.map((a) => `\`${a}\``).join(', ')})` : ''}`}`);
      out.push(`- Default: \`${s.type.show(s.default)}\``);
      out.push('', s.summary, '', s.docs);
    }
  }
  return `${out.join('\n')}\n`;
}
