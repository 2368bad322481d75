// THE settings table. Every setting Narwhal has is one row here; the CLI flags,
// the config-file keys, the environment defaults, `--help`, `--print-config`
// and docs/settings.md are all derived from it. Pure data; no process state.

import { HOOK_SETTINGS } from './settings-hooks.js';
import { DEBUG_SETTINGS } from './settings-dev.js';
import { HTTP_SETTINGS } from './settings-http.js';
import { LOGGING_SETTINGS } from './settings-logging.js';
import { SCALING_SETTINGS } from './settings-scaling.js';
import { setting, type Setting } from './setting.js';
import { address, choice, flag, int, keyValues, list, octal, optionalStr, optionalUrlPath, seconds, type ValueType } from './spec.js';

export { SECTIONS, setting, type EnvDefaults, type Section, type Setting } from './setting.js';


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
  ...DEBUG_SETTINGS,
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
    docs: 'Defaults to `$WEB_CONCURRENCY` when set, else 1. One worker per core is a good start for a Node app; TTIN and TTOU change the count while running. With `--max-workers` it is the least the autoscaler keeps.',
  }),
  ...SCALING_SETTINGS,
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
  maxRequests: setting({
    name: 'max_requests',
    section: 'Worker processes',
    cli: ['--max-requests'],
    type: int({ min: 0 }),
    default: 0,
    summary: 'Recycle a worker after it has served this many requests (0 disables).',
    docs: 'A simple guard against memory leaks, as in Gunicorn. The worker asks the master for a replacement; the replacement is started and ready before the old worker stops accepting and drains, so capacity never dips and no request is dropped.',
  }),
  maxRequestsJitter: setting({
    name: 'max_requests_jitter',
    section: 'Worker processes',
    cli: ['--max-requests-jitter'],
    type: int({ min: 0 }),
    default: 0,
    summary: 'A random 0..N added to each worker\'s --max-requests.',
    docs: 'Each worker draws its own limit, `max_requests + randint(0, max_requests_jitter)`, so that workers started together are not all recycled at once.',
  }),
  maxWorkerMemory: setting({
    name: 'max_worker_memory',
    section: 'Worker processes',
    cli: ['--max-worker-memory'],
    type: int({ min: 0 }),
    default: 0,
    summary: 'Recycle a worker whose resident memory (RSS) exceeds this many MiB (0 disables).',
    docs: 'Checked in the worker after each request. Once over the limit, the worker accepts no new connection (the other workers and its replacement, started at once, take them), finishes the requests it holds and exits. What the limit bounds: one worker\'s RSS stays under the limit plus what its requests in flight add, and each connection it holds may still bring one more request (answered with `Connection: close`), so at most about the limit + 2 x (its concurrent clients) x (what one request allocates). Keep it well under the memory you have per worker; with one worker, new connections wait in the listen backlog while the replacement boots.',
  }),
  maxWorkerLifetime: setting({
    name: 'max_worker_lifetime',
    section: 'Worker processes',
    cli: ['--max-worker-lifetime'],
    type: seconds(),
    default: 0,
    summary: 'Recycle a worker after it has run this many seconds (0 disables).',
    docs: 'Each worker adds up to 10% of random jitter to its own lifetime so workers started together are not recycled together. Recycling is a graceful drain behind a ready replacement.',
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
  headerTimeout: setting({
    name: 'header_timeout',
    section: 'Worker processes',
    cli: ['--header-timeout'],
    type: seconds(),
    default: 10,
    summary: 'Seconds a client has to send a whole request head (0 disables).',
    docs: 'Counted from the connection\'s start for its first request and from the first byte of each later one. A client that is too slow is answered 408 and the connection closed, so a trickle of header bytes (slowloris) cannot hold a connection. Idle time between kept-alive requests is `--keep-alive`\'s business. Beyond Gunicorn, whose sync workers rely on `--timeout`.',
  }),
  bodyTimeout: setting({
    name: 'body_timeout',
    section: 'Worker processes',
    cli: ['--body-timeout'],
    type: seconds(),
    default: 30,
    summary: 'Seconds a request body may stall between two pieces (0 disables).',
    docs: 'While the app reads a request body, each piece must arrive within this many seconds of the previous one, or the connection is closed. Time the app spends not reading (the socket is then paused) does not count. Beyond Gunicorn.',
  }),
  ...HTTP_SETTINGS,
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
  healthPath: setting({
    name: 'health_path',
    section: 'Server mechanics',
    cli: ['--health-path'],
    type: optionalUrlPath,
    default: null,
    summary: 'A path the worker answers itself, for load balancers and probes: 200 while serving, 503 once draining.',
    docs: 'Off by default. Requests for this path (any query string) never reach the app: a worker answers `200 OK` while it serves and `503` with `Connection: close` once it is draining (TERM, reload, scale-down), so a balancer that keeps connections open takes it out of rotation before it closes. Other methods than GET and HEAD get 405.',
  }),
  daemon: setting({
    name: 'daemon',
    section: 'Server mechanics',
    cli: ['-D', '--daemon'],
    type: flag,
    default: false,
    summary: 'Detach from the terminal and run in the background.',
    docs: 'The command starts the master in a new session and returns at once (exit 0); pair it with `--pid` to find the master, and with `--error-logfile` (or `-R`) to see its log, since stdio goes to /dev/null. Under systemd, Docker or Kubernetes, do not use it: they want the master in the foreground.',
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
  ctlSocket: setting({
    name: 'ctl_socket',
    section: 'Server mechanics',
    cli: ['--ctl-socket'],
    type: optionalStr('PATH'),
    default: null,
    summary: 'A unix socket where the master takes `narwhal ctl` commands (off by default).',
    docs: 'The socket is created with mode 0600, so only its owner (and root) can use it. `narwhal ctl --ctl-socket PATH COMMAND` sends one command as JSON and prints the answer: `stats`, `reload`, `scale N|+N|-N`, `dump` and `stop`. See docs/control-socket.md.',
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
  user: setting({
    name: 'user',
    section: 'Server mechanics',
    cli: ['-u', '--user'],
    type: optionalStr('USER'),
    default: null,
    summary: 'Run the workers as this user (a name or a numeric uid).',
    docs: 'The master binds the sockets first (so a port below 1024 works when started as root), then starts every worker as this user. The master itself keeps its user, as Gunicorn\'s does, to bind, signal and replace workers. Names are looked up in /etc/passwd.',
  }),
  group: setting({
    name: 'group',
    section: 'Server mechanics',
    cli: ['-g', '--group'],
    type: optionalStr('GROUP'),
    default: null,
    summary: 'Run the workers as this group (a name or a numeric gid).',
    docs: 'Defaults to the primary group of `--user` when that is given. Names are looked up in /etc/group.',
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
  ...LOGGING_SETTINGS,
  procName: setting({
    name: 'proc_name',
    section: 'Process naming',
    cli: ['-n', '--name'],
    type: optionalStr('STRING'),
    default: null,
    summary: 'A name for `ps`: `narwhal: master [NAME]`, `narwhal: worker [NAME]`.',
    docs: 'Defaults to the app\'s name. Long titles are cut to what the operating system allows.',
  }),
  ...HOOK_SETTINGS,
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
