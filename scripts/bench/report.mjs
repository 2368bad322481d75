// Renders bench results: a plain table for the terminal and the markdown page
// docs/benchmarks.md (ratios against raw node:http, the machine, the command).
// Used by scripts/bench.mjs.

import { spawnSync } from 'node:child_process';
import os from 'node:os';

const fmt = (x, digits) => (Number.isFinite(x) ? x.toFixed(digits) : 'n/a');

function version(cmd, args) {
  const r = spawnSync(cmd, args, { encoding: 'utf8' });
  return r.status === 0 || r.stdout ? `${r.stdout}${r.stderr}`.split('\n').find((l) => l.trim()) ?? 'unknown' : 'not installed';
}

/** What the numbers were measured on. */
export function machine(opts, runs, loadAtStart) {
  return {
    cpu: `${os.cpus()[0]?.model ?? 'unknown CPU'}, ${os.availableParallelism()} cores`,
    memory: `${Math.round(os.totalmem() / 2 ** 30)} GiB`,
    kernel: `${os.type()} ${os.release()}`,
    nodes: runs.map((r) => r.version).join(', '),
    wrk: version('wrk', ['-v']).trim(),
    gunicorn: version('gunicorn', ['--version']).trim(),
    load: `load average when the run started: ${loadAtStart.map((l) => l.toFixed(2)).join(', ')} (other work on the machine moves req/s more than CPU/req)`,
    settings: `${opts.workers} workers per server; wrk -t${opts.threads} -c${opts.connections}, ${opts.seconds} s per run, ${opts.reps} interleaved repetitions (ratios: medians of per-repetition ratios), load generator on the same machine`,
  };
}

function rowsOf(run) {
  const lines = [];
  for (const block of run.rows) {
    for (const p of block.peers) {
      lines.push([block.mode, p.label, fmt(p.rpsRatio, 2) + 'x', fmt(p.cpuRatio, 2) + 'x', fmt(p.rps, 0), fmt(p.cpu, 1), String(p.errors)]);
    }
  }
  return lines;
}

const HEAD = ['connections', 'server', 'req/s vs node:http', 'CPU/req vs node:http', 'req/s', 'CPU us/req', 'errors'];

/** A fixed-width table for the terminal. */
export function renderTable(run) {
  const lines = [HEAD, ...rowsOf(run)];
  const widths = HEAD.map((_, i) => Math.max(...lines.map((l) => l[i].length)));
  const text = lines.map((l) => l.map((c, i) => (i < 2 ? c.padEnd(widths[i]) : c.padStart(widths[i]))).join('  '));
  const skipped = run.skipped.map((s) => `skipped: ${s.label} (${s.why})`);
  return [`\n${run.version}`, ...text, ...skipped].join('\n');
}

/** docs/benchmarks.md: ratios first; absolute numbers only beside them. */
export function renderMarkdown(runs, info, command) {
  const out = [
    '# Benchmarks',
    '',
    '<!-- Written by `npm run bench -- --markdown docs/benchmarks.md`; rerun it rather than editing by hand. -->',
    '',
    'Narwhal and its peers serve the same hello app (`scripts/bench/apps/`: a 14-byte text/plain body) with the same',
    'number of workers, side by side in one run. Ratios are against raw `node:http` under `cluster` with workers',
    'accepting on the shared socket (`SCHED_NONE`), measured in the same run. **req/s vs node:http**: higher is',
    'better. **CPU/req vs node:http**: the server processes\' own CPU time (utime+stime of the master and all its',
    'children, from /proc, before and after each run) per request; lower is better. Each ratio is the median over the',
    'repetitions of that repetition\'s run against its own node:http run (the machine\'s speed drifts over minutes).',
    'Absolute numbers (medians) depend on the machine and on wrk sharing its cores; compare the ratios.',
    'On the shared 2-core machine these were measured on, a ratio moves by up to about 0.2 from one run to the next:',
    'read smaller differences as noise.',
    '',
    'Reproduce with:',
    '',
    // docs.test.ts wants every shell block in docs/ run by a test or marked.
    '<!-- not run here: a benchmark takes minutes; speed lives in benchmarks, not in tests -->',
    '```sh',
    command,
    '```',
    '',
    'Notes on the peers:',
    '',
    '- The three `floor:` rows are measuring devices, not servers (`scripts/bench/apps/floors.mjs`). Each is the least',
    '  that one kind of server can cost, run under `cluster` like the `node:http` row with the same worker count. Where',
    '  a floor row is already worse than a target, no server of that kind can meet the target on that Node version.',
    '  CPU/req is the column to read there: req/s also moves with how the cores are shared with wrk.',
    '- **floor: node:http reading the socket in JS** is the `node:http` row with one change: node:http\'s own `\'data\'`',
    '  listener on each socket is replaced by a JavaScript listener that hands it every chunk unchanged. Any check',
    '  done in JavaScript before node:http\'s parser sees the bytes needs such a listener, and adding it makes node:http',
    '  stop reading the socket natively. The row bounds the node-style target (0.98x), and the fetch-style one (1.0x)',
    '  for a fetch path that runs on node:http, as long as Narwhal\'s strict HTTP/1.1 checks sit in front of its parser.',
    '- **floor: net + Node\'s Response (no parsing)** is a `node:net` server that takes every CRLFCRLF it receives as',
    '  one request, calls the same fetch handler (which builds Node\'s own `Response`), reads the status and iterates',
    '  the headers, and writes them with `date`, `content-length` and the known body in a single write. It parses',
    '  nothing, builds no `Request` and never reads the `Response` body back, so every server that serves that handler',
    '  costs more: the row bounds the fetch-style target (1.0x in both columns) whatever the parser.',
    '- **floor: the fetch contract on the stream handle (no parsing)** is the row above on the cheaper I/O Narwhal\'s',
    '  direct path uses (reads and writes on the libuv handle, `src/http/handle-io.ts`), plus what the fetch contract',
    '  makes unavoidable: on Node 24 a real `Request` for each request (its `Request` reads private fields of any',
    '  `Request` it is given, so a lazy one cannot work there; on Node 20 it can, and costs nothing unused), and the',
    '  `Response` body read back the cheapest way that Node allows (its source on Node 20, its stream on Node 24).',
    '  No server that hands the app Node\'s own `Request` and sends the `Response` it returns can cost less.',
    '- Every fetch-style server runs the same handler, `new Response(body, { headers })` with the global `Response`.',
    '  `@hono/node-server` replaces `globalThis.Request` and `Response` with its own lighter classes by default',
    '  (`overrideGlobalObjects`), so its handler builds Hono\'s Response, not Node\'s. Narwhal does the same by default',
    '  (`--fetch-classes light`: light classes that pass its compatibility suite, test/integration/fetch-classes.test.ts);',
    '  with `--fetch-classes node` its apps get Node\'s own Request and build Node\'s own Response.',
    '- The rows marked `(default)` run without `--http-parser`: its default, `auto`, is the strict parser for',
    '  fetch-style apps on plain HTTP/1.1 and the native one for node-style apps. The other two rows pass the parser.',
    '- Narwhal\'s `strict parser` rows (`--http-parser strict`) read every request with its JavaScript HTTP/1.1',
    '  parser: the fetch-style one is served straight from it without node:http, the node-style one goes through',
    '  node:http behind it. The `native parser` rows (`--http-parser native`) let node:http\'s llhttp read the socket',
    '  and check Gunicorn\'s rules on what it parsed; fetch-style apps then run on node:http through the fetch',
    '  adapter (docs/http.md). The `checks off` row is the node-style native row with those checks skipped',
    '  (`NARWHAL_BENCH_UNCHECKED_HEADS=1`, read by src/config/env.ts for the bench only): the difference between',
    '  the two is what the checks cost.',
    '- The `Express listen() app` rows serve one unchanged Express script that calls `app.listen()` itself',
    '  (`scripts/bench/apps/express-listen.cjs`), under PM2 cluster mode and under `narwhal express-listen.cjs`.',
    '  Compare them with each other: Express\'s own cost is in both.',
    '- PM2 cluster mode uses Node\'s default round-robin scheduling (the master accepts and hands sockets over);',
    '  the others let workers accept on the shared socket.',
    '- Gunicorn runs its default sync workers, which close the connection after every response, so its keep-alive',
    '  row is connection-per-request too.',
    '- Per-request bookkeeping (profiled with `--cpu-prof` under wrk, summed by function): on node:http each request',
    '  used to allocate its RequestInfo, a close closure and a connection lookup on the way in and out; it is now one',
    "  object (its private fields stay out of stuck-worker reports) and one `'close'` listener shared by every",
    "  response, with the connection's record looked up once. Connections share one `'close'` listener in the",
    '  tracker, and the trusted-peer allow lists keep their last answer (each new connection asked two `isIP`',
    "  parses and a BlockList lookup once or twice). In those profiles Narwhal's own JavaScript is about 5% of the worker's CPU per",
    "  keep-alive request (node-style, native parser); most of the rest is the kernel's loopback writes, which raw node:http pays",
    '  alike. The Host check (`wire/host.ts`, both parsers) ran up to five regular expressions per request; a Host',
    '  that is an IPv4 address with a port is now read in one pass (same verdicts), and the checks on llhttp\'s heads',
    '  (`wire/parsed-head.ts`) are the largest remaining piece of Narwhal\'s own cost.',
    '',
    'The dev server\'s save-to-new-code latency (`npm run bench:reload`) is measured apart, in',
    '[benchmarks-reload.md](benchmarks-reload.md).',
    '',
    'Machine:',
    '',
    `- CPU: ${info.cpu}; memory: ${info.memory}; kernel: ${info.kernel}`,
    `- Node: ${info.nodes}; ${info.wrk}; ${info.gunicorn}`,
    `- ${info.settings}`,
    `- ${info.load}`,
    '',
  ];
  for (const run of runs) {
    out.push(`## Node ${run.version}`, '', `| ${HEAD.join(' | ')} |`, `|${HEAD.map((_, i) => (i < 2 ? ' --- ' : ' ---: ')).join('|')}|`);
    for (const l of rowsOf(run)) out.push(`| ${l.join(' | ')} |`);
    for (const s of run.skipped) out.push('', `Skipped: ${s.label} (${s.why}).`);
    out.push('');
  }
  return out.join('\n');
}
