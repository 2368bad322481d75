// `narwhal --help`, generated from the settings table and grouped by section.

import { SECTIONS, SETTING_KEYS, settingOf } from '../config/settings.js';

function flagText(key: (typeof SETTING_KEYS)[number]): string {
  const s = settingOf(key);
  const meta = s.type.isFlag ? '' : ` ${s.type.metavar}`;
  return s.cli.join(', ') + meta;
}

export function helpText(): string {
  const lines = [
    'usage: narwhal [OPTIONS] [APP]',
    '       narwhal dev [OPTIONS] [APP]     a development server: 127.0.0.1:8000, one worker, debug',
    '                                       logs, --reload and --debug on (docs/dev-server.md)',
    '       narwhal ctl [--ctl-socket PATH] stats|reload|scale N|+N|-N|dump|stop',
    '',
    'Serve APP, a module and the export to serve (path/to/app.ts[:attr], attr defaults to',
    '"default"; app.ts:create() calls a factory), with one master process and --workers',
    'worker processes accepting on the sockets it binds. Without APP, a welcome page answers.',
    'Settings also come from narwhal.config.ts and NARWHAL_CMD_ARGS (the command line wins).',
  ];
  const rows = (keys: string[][]) => {
    const width = Math.min(36, Math.max(...keys.map(([f]) => f!.length)) + 2);
    return keys.map(([f, summary]) => (f!.length + 2 > width ? `  ${f}\n  ${' '.repeat(width)}${summary}` : `  ${f!.padEnd(width)}${summary}`));
  };
  for (const section of SECTIONS) {
    const keys = SETTING_KEYS.filter((k) => settingOf(k).section === section && settingOf(k).cli.length > 0);
    if (keys.length === 0) continue;
    lines.push('', `${section}:`, ...rows(keys.map((k) => [flagText(k), settingOf(k).summary])));
  }
  lines.push('', 'Other:', ...rows([['-v, --version', 'Print the version and exit.'], ['-h, --help', 'Show this help and exit.']]));
  lines.push('', 'Signals to the master: TERM graceful stop, INT/QUIT quick stop, HUP reload,', 'TTIN/TTOU one worker more/less, USR1 reopen log files, USR2 start a new master on',
    'the same sockets, WINCH (after USR2) stop this master\'s workers.', 'Exit codes: 0 ok, 1 internal error, 2 bad option or setting, 3 a worker could not boot,', '4 the app could not be loaded, 5 an address could not be bound.');
  return lines.join('\n');
}
