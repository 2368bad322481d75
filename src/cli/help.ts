// `narwhal --help` (one screen: the settings people reach for first, with their
// defaults) and `narwhal --help-all` (every flag, by section), both generated
// from the settings table. Runs in the CLI process only.

import { ENV_DEFAULTS } from '../config/docs.js';
import { SECTIONS, SETTING_KEYS, type SettingKey, settingOf } from '../config/settings.js';

/** The first screen, in this order: what to serve, where, how many, how long, reload, logs. */
export const COMMON_KEYS: readonly SettingKey[] = [
  'bind', 'workers', 'timeout', 'gracefulTimeout', 'reload', 'accesslog', 'errorlog', 'loglevel',
  'config', 'rawEnv', 'healthPath', 'preloadApp', 'checkConfig', 'printConfig',
];

const WIDTH = 26;
const COLUMNS = 100;

function flagText(key: SettingKey): string {
  const s = settingOf(key);
  return s.cli.join(', ') + (s.type.isFlag ? '' : ` ${s.type.metavar}`);
}

/** The default as a reader needs it; '' for off-by-default switches and empty values. */
function defaultText(key: SettingKey): string {
  const s = settingOf(key);
  const shown = s.type.show(s.default);
  const env = ENV_DEFAULTS[key];
  const base = s.type.isFlag || shown === '(none)' || shown === '[]' || shown === '{}' || shown === '' ? '' : shown;
  if (env) return `[default: ${base ? `${base}, or ` : ''}${env.value}]`;
  return base ? `[default: ${base}]` : '';
}

/** Words filled into lines of at most `room` characters. */
function fill(text: string, room: number): string[] {
  const lines: string[] = [];
  let cur = '';
  for (const word of text.split(' ')) {
    if (cur && cur.length + 1 + word.length > room) {
      lines.push(cur);
      cur = word;
    } else cur = cur ? `${cur} ${word}` : word;
  }
  return cur ? [...lines, cur] : lines;
}

function row(key: SettingKey): string[] {
  const flags = flagText(key);
  const text = fill(`${settingOf(key).summary} ${defaultText(key)}`.trim(), COLUMNS - WIDTH - 2);
  const pad = `  ${' '.repeat(WIDTH)}`;
  const head = flags.length + 2 > WIDTH ? [`  ${flags}`, `${pad}${text[0]}`] : [`  ${flags.padEnd(WIDTH)}${text[0]}`];
  return [...head, ...text.slice(1).map((t) => `${pad}${t}`)];
}

const USAGE = [
  'usage: narwhal [OPTIONS] [APP]          serve APP with a master and --workers worker processes',
  '       narwhal dev [OPTIONS] [APP]      development server: reload, debug page (docs/dev-server.md)',
  '       narwhal ctl --ctl-socket PATH stats|reload|scale N|+N|-N|dump|stop',
  '',
  'APP is path/to/app.ts[:attr] (attr defaults to "default"; app.ts:create() calls a factory).',
  'Without APP, a welcome page answers.',
];

const ENVIRONMENT = [
  'Environment:',
  '  PORT                      Sets the default bind to 0.0.0.0:$PORT (as Gunicorn)',
  '  WEB_CONCURRENCY           Sets the default number of workers',
  '  NARWHAL_CMD_ARGS          More options, parsed like the command line (which wins)',
];

export function helpText(): string {
  return [
    ...USAGE,
    '',
    'Common options:',
    ...COMMON_KEYS.flatMap(row),
    '  -h, --help, --help-all    This help; every option, by section.',
    '  -v, --version             Print the version and exit.',
    '',
    ...ENVIRONMENT,
    '',
    `All ${SETTING_KEYS.filter((k) => settingOf(k).cli.length).length} options: narwhal --help-all. Config-file keys: docs/settings.md.`,
  ].join('\n');
}

export function helpAllText(): string {
  const lines = [...USAGE, 'Settings also come from narwhal.config.ts (camelCase keys, docs/settings.md).'];
  for (const section of SECTIONS) {
    const keys = SETTING_KEYS.filter((k) => settingOf(k).section === section && settingOf(k).cli.length > 0);
    if (keys.length) lines.push('', `${section}:`, ...keys.flatMap(row));
  }
  lines.push('', 'Other:', '  -h, --help, --help-all    The common options; this list.', '  -v, --version             Print the version and exit.', '');
  lines.push(...ENVIRONMENT, '  FORWARDED_ALLOW_IPS       Sets the default --forwarded-allow-ips', '');
  lines.push(
    'Signals to the master: TERM graceful stop, INT/QUIT quick stop, HUP reload, TTIN/TTOU one worker',
    'more/less, USR1 reopen log files, USR2 start a new master on the same sockets, WINCH (after USR2)',
    "stop this master's workers.",
    'Exit codes: 0 ok, 1 internal error, 2 bad option or setting, 3 a worker could not boot, 4 the app',
    'could not be loaded, 5 an address could not be bound.',
  );
  return lines.join('\n');
}
