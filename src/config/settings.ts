// THE settings table. Every setting Narwhal has is one row here; the CLI flags,
// the config-file keys, the environment defaults, `--help`, `--print-config`
// and docs/settings.md are all derived from it. Pure data; no process state.

import { address, choice, flag, int, keyValues, list, octal, optionalStr, seconds, staticMount, str, type ValueType } from './spec.js';

export const SECTIONS = [
  'Config',
  'Debugging',
  'Server socket',
  'Worker processes',
  'Server mechanics',
  'Logging',
  'Process naming',
] as const;
export type Section = (typeof SECTIONS)[number];

/** What the environment can contribute to defaults; read only by config/env.ts. */
export interface EnvDefaults {
  readonly PORT?: string | undefined;
  readonly WEB_CONCURRENCY?: string | undefined;
}

export interface Setting<T> {
  /** Gunicorn's setting name where Gunicorn has one (snake_case). */
  readonly name: string;
  readonly section: Section;
  /** Command-line forms, short first; empty for config-file-only settings. */
  readonly cli: readonly string[];
  readonly type: ValueType<T>;
  readonly default: NoInfer<T>;
  /** A default taken from the environment when set (WEB_CONCURRENCY, PORT). */
  readonly envDefault?: (env: EnvDefaults) => string | undefined;
  /** Other config-file keys accepted for this setting. */
  readonly aliases?: readonly string[];
  /** Only meaningful on the command line (`--check-config`): never in a file. */
  readonly cliOnly?: boolean;
  readonly summary: string;
  readonly docs: string;
}

const setting = <T>(s: Setting<T>): Setting<T> => s;

export const SETTINGS = {
  config: setting({
    name: 'config',
    section: 'Config',
    cli: ['-c', '--config'],
    type: optionalStr('PATH'),
    default: null,
    cliOnly: true,
    summary: 'The config file to load.',
    docs: 'A `narwhal.config.{ts,mts,js,mjs}` module whose default export is `defineConfig({ ... })`. Without this flag Narwhal looks for one of those names in the working directory; with it, the file must exist.',
  }),
  checkConfig: setting({
    name: 'check_config',
    section: 'Config',
    cli: ['--check-config'],
    type: flag,
    default: false,
    cliOnly: true,
    summary: 'Load the config and the app, then exit: 0 when both are good.',
    docs: 'Resolves every setting, imports the app and checks that it is a fetch-style or node-style app, without binding or starting workers. Exit codes are the same as a real start (2 bad setting, 4 app load error).',
  }),
  printConfig: setting({
    name: 'print_config',
    section: 'Config',
    cli: ['--print-config'],
    type: flag,
    default: false,
    cliOnly: true,
    summary: 'Print every setting, its value and where the value came from, then exit.',
    docs: 'Each line shows `name = value` and its origin: `default`, `env` (WEB_CONCURRENCY, PORT), `config file`, `NARWHAL_CMD_ARGS` or `command line`.',
  }),
  app: setting({
    name: 'app',
    section: 'Config',
    cli: [],
    type: optionalStr('MODULE[:ATTR]'),
    default: null,
    summary: 'The app, as `path/to/module[.ts|.mts|.js|.mjs|.cjs][:attr]`.',
    docs: 'Usually given as the positional argument. `attr` defaults to `default`; `module:create()` or `module:create("x", 2)` calls a factory with literal arguments. Without an app Narwhal serves a welcome page. Gunicorn calls this `wsgi_app`.',
  }),
  interface: setting({
    name: 'interface',
    section: 'Config',
    cli: ['--interface'],
    type: choice(['auto', 'fetch', 'node'] as const),
    default: 'auto',
    summary: 'The app contract: fetch-style, node-style, or decided from the app.',
    docs: '`auto`: an object with a `fetch` method is fetch-style; a function is node-style when it declares two or more parameters (`(req, res)`, Express\'s `(req, res, next)`) and fetch-style otherwise. A fetch function that takes `(request, ctx)` needs `--interface fetch` (or export `{ fetch }`).',
  }),
  reload: setting({
    name: 'reload',
    section: 'Debugging',
    cli: ['--reload'],
    type: flag,
    default: false,
    summary: 'Restart the workers when the app\'s code changes (on in `narwhal dev`).',
    docs: 'The master watches the files the app actually loaded (reported by the worker after it imports the app: its ES modules and CommonJS files, TypeScript included), the config file and `--reload-extra-file` paths, ignoring `node_modules`, `.git` and build output (`dist`, `build`). A burst of saves is one reload, and a reload is the same readiness-gated path as HUP: a new worker loads, reports ready, then the old one is retired, while the master keeps the listening socket open. For development only: it costs a watcher per directory.',
  }),
  reloadExtraFiles: setting({
    name: 'reload_extra_files',
    section: 'Debugging',
    cli: ['--reload-extra-file'],
    type: list(str('FILE')),
    default: [],
    summary: 'With --reload, also reload when this file changes (repeatable).',
    docs: 'For files the app reads rather than imports: templates, JSON or `.env` files. Relative paths are taken from the working directory.',
  }),
  debug: setting({
    name: 'debug',
    section: 'Debugging',
    cli: ['--debug'],
    type: flag,
    default: false,
    summary: 'Debug error pages and the load-error page (on in `narwhal dev`). Never in production.',
    docs: 'An uncaught exception answers with a page in the spirit of Django\'s debug page (exception, stack frames mapped to the TypeScript source with code context, the request, the environment with secret-looking values masked): HTML for browsers, JSON or plain text otherwise. With `--reload`, an app that fails to import (a syntax error, a throw at import) does not stop the server: requests get the load error with file, line and code frame until the next save fixes it. Without this setting an app error is a plain 500.',
  }),
  staticMounts: setting({
    name: 'static',
    section: 'Debugging',
    cli: ['--static'],
    type: list(staticMount),
    default: [],
    summary: 'Serve a directory of static files under a URL prefix: `--static /prefix=dir` (repeatable; needs --debug).',
    docs: 'As Django\'s runserver does in development: content types from the file extension, `ETag` and `Last-Modified` with 304 answers, single `Range` requests (206/416), and no path traversal outside the directory. Only with `--debug` (so in `narwhal dev`); in production let a proxy or CDN serve static files.',
  }),
  bind: setting({
    name: 'bind',
    section: 'Server socket',
    cli: ['-b', '--bind'],
    type: list(address),
    default: ['127.0.0.1:8000'],
    envDefault: (env) => (env.PORT ? `0.0.0.0:${env.PORT}` : undefined),
    summary: 'The socket to bind: `HOST:PORT`, `[::1]:PORT`, `unix:/path` or `fd://N`.',
    docs: 'Repeat the flag to listen on several sockets; every one is bound by the master before any worker starts, and the workers accept on them directly. When `PORT` is set and no bind is given, the default is `0.0.0.0:$PORT`, as in Gunicorn. A unix socket\'s file mode is `0777 & ~umask`.',
  }),
  backlog: setting({
    name: 'backlog',
    section: 'Server socket',
    cli: ['--backlog'],
    type: int({ min: 1, max: 65535 }),
    default: 2048,
    summary: 'The most connections waiting to be accepted.',
    docs: 'Passed to listen(2); the kernel caps it at net.core.somaxconn.',
  }),
  workers: setting({
    name: 'workers',
    section: 'Worker processes',
    cli: ['-w', '--workers'],
    type: int({ min: 1 }),
    default: 1,
    envDefault: (env) => env.WEB_CONCURRENCY,
    summary: 'The number of worker processes.',
    docs: 'Defaults to `$WEB_CONCURRENCY` when set, else 1. One worker per core is a good start for a Node app; TTIN and TTOU change the count while running.',
  }),
  timeout: setting({
    name: 'timeout',
    section: 'Worker processes',
    cli: ['-t', '--timeout'],
    type: seconds(),
    default: 30,
    summary: 'A worker silent for longer than this is killed and replaced (0 disables).',
    docs: 'Workers heartbeat by touching a file in `--worker-tmp-dir` from their event loop; a loop blocked for longer than this (a `while (true) {}` in a handler) stops the heartbeat, and the master logs `WORKER TIMEOUT` and kills the worker. A request awaiting slow I/O does not block the loop and is not affected.',
  }),
  gracefulTimeout: setting({
    name: 'graceful_timeout',
    section: 'Worker processes',
    cli: ['--graceful-timeout'],
    type: seconds(),
    default: 30,
    summary: 'How long a stopping worker may finish its requests before it is killed.',
    docs: 'On TERM, a reload or a scale-down, workers stop accepting, finish the requests they have, and are killed if still running after this many seconds.',
  }),
  keepalive: setting({
    name: 'keepalive',
    section: 'Worker processes',
    cli: ['--keep-alive'],
    type: seconds(),
    default: 2,
    summary: 'Seconds to wait for the next request on a kept-alive connection.',
    docs: 'Behind a load balancer that reuses connections (nginx with `keepalive`), set this above the balancer\'s own idle timeout so that it, not Narwhal, closes idle connections. 0 turns keep-alive off.',
  }),
  preloadApp: setting({
    name: 'preload_app',
    section: 'Server mechanics',
    cli: ['--preload'],
    type: flag,
    default: false,
    aliases: ['preload'],
    summary: 'Load the app in the master before starting workers.',
    docs: 'Node cannot fork a process with its memory, so unlike Gunicorn this does not share the app\'s memory: it imports the app once in the master, so that a broken app stops the start before any worker is spawned, and runs the app\'s module-level code there (for warm-up). Workers still import the app themselves.',
  }),
  chdir: setting({
    name: 'chdir',
    section: 'Server mechanics',
    cli: ['--chdir'],
    type: optionalStr('DIR'),
    default: null,
    summary: 'Change to this directory before loading the app.',
    docs: 'The app path and relative paths in other settings are then taken from it. The config file is found before the change.',
  }),
  rawEnv: setting({
    name: 'raw_env',
    section: 'Server mechanics',
    cli: ['-e', '--env'],
    type: keyValues,
    default: {},
    aliases: ['env'],
    summary: 'Set an environment variable for the app: `-e KEY=VALUE` (repeatable).',
    docs: 'The variables reach `process.env` in every worker (and in the master with `--preload`). In a config file: `rawEnv: { KEY: "value" }`.',
  }),
  pidfile: setting({
    name: 'pidfile',
    section: 'Server mechanics',
    cli: ['-p', '--pid'],
    type: optionalStr('FILE'),
    default: null,
    summary: 'Write the master\'s pid to this file, and remove it on exit.',
    docs: 'A start refuses to run over a pidfile whose process is still alive.',
  }),
  workerTmpDir: setting({
    name: 'worker_tmp_dir',
    section: 'Server mechanics',
    cli: ['--worker-tmp-dir'],
    type: optionalStr('DIR'),
    default: null,
    summary: 'Where workers\' heartbeat files live (default: the system temp dir).',
    docs: 'Each worker touches an unlinked file here from its event loop; the master reads its modification time. As with Gunicorn, a memory-backed directory such as `/dev/shm` keeps this off the disk (in containers, /tmp may be a slow overlay).',
  }),
  umask: setting({
    name: 'umask',
    section: 'Server mechanics',
    cli: ['-m', '--umask'],
    type: octal,
    default: 0,
    summary: 'A file mode mask for files Narwhal creates: unix sockets and the pidfile.',
    docs: 'A unix socket is created with mode `0777 & ~umask`, so the default 0 lets any local user connect (as Gunicorn); use `--umask 007` to limit it to the owner and group.',
  }),
  accesslog: setting({
    name: 'accesslog',
    section: 'Logging',
    cli: ['--access-logfile'],
    type: optionalStr('FILE'),
    default: null,
    summary: 'The access log file; `-` for stdout. Off by default.',
    docs: 'One line per request in the `--access-logformat` format, written by the worker that served it.',
  }),
  accessLogFormat: setting({
    name: 'access_log_format',
    section: 'Logging',
    cli: ['--access-logformat'],
    type: str('FORMAT'),
    default: '%(h)s %(l)s %(u)s %(t)s "%(r)s" %(s)s %(b)s "%(f)s" "%(a)s"',
    summary: 'The access log format, with Gunicorn\'s atoms.',
    docs: 'Atoms: `h` remote address, `l` `-`, `u` user from Basic auth, `t` date, `r` request line, `m` method, `U` path, `q` query, `H` protocol, `s` status, `B` body bytes, `b` body bytes or `-`, `f` referer, `a` user agent, `T` seconds, `D` microseconds, `M` milliseconds, `L` seconds with decimals, `p` worker pid, `{name}i` request header, `{name}o` response header, `{name}e` environment variable.',
  }),
  errorlog: setting({
    name: 'errorlog',
    section: 'Logging',
    cli: ['--error-logfile', '--log-file'],
    type: str('FILE'),
    default: '-',
    summary: 'The error log file; `-` for stderr.',
    docs: 'Where the master and the workers write their own messages, and app errors with their stacks.',
  }),
  loglevel: setting({
    name: 'loglevel',
    section: 'Logging',
    cli: ['--log-level'],
    type: choice(['debug', 'info', 'warning', 'error', 'critical'] as const),
    default: 'info',
    summary: 'The least severe level the error log shows.',
    docs: 'One of debug, info, warning, error, critical.',
  }),
  captureOutput: setting({
    name: 'capture_output',
    section: 'Logging',
    cli: ['--capture-output'],
    type: flag,
    default: false,
    summary: 'Send the workers\' stdout and stderr into the error log file.',
    docs: 'As in Gunicorn, this acts when `--error-logfile` is a file: what the app prints lands in that file, line by line. With the error log on stderr, the workers\' output already goes to the terminal or the container log.',
  }),
  enableStdioInheritance: setting({
    name: 'enable_stdio_inheritance',
    section: 'Logging',
    cli: ['-R', '--enable-stdio-inheritance'],
    type: flag,
    default: false,
    summary: 'Keep stdio open when detached (daemon mode).',
    docs: 'Gunicorn uses this to keep a daemon\'s stdout and stderr instead of /dev/null. Narwhal\'s workers always inherit the master\'s stdio and Node does not buffer it, so without a daemon mode this is accepted for compatibility and changes nothing.',
  }),
  procName: setting({
    name: 'proc_name',
    section: 'Process naming',
    cli: ['-n', '--name'],
    type: optionalStr('STRING'),
    default: null,
    summary: 'A name for `ps`: `narwhal: master [NAME]`, `narwhal: worker [NAME]`.',
    docs: 'Defaults to the app\'s name. Long titles are cut to what the operating system allows.',
  }),
} as const;

export type Settings = typeof SETTINGS;
export type SettingKey = keyof Settings;
type ValueOf<S> = S extends Setting<infer T> ? T : never;

/** The resolved configuration: one value per setting, derived from the table. */
export type Config = { readonly [K in SettingKey]: ValueOf<Settings[K]> };

/** What a config file may export: any subset of the settings. */
export type UserConfig = { [K in SettingKey]?: ValueOf<Settings[K]> | (Settings[K]['type'] extends ValueType<number> ? string : never) };

export const SETTING_KEYS = Object.keys(SETTINGS) as SettingKey[];

export function settingOf(key: SettingKey): Setting<unknown> {
  return SETTINGS[key] as unknown as Setting<unknown>;
}
