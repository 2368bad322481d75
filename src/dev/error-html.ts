// The HTML form of a dev error page, in the spirit of Django's debug page:
// a summary, the frames with their source, the request and the environment.
// A pure function of the report; built in a worker for --debug only.

import type { CodeContext, Frame } from './stack.js';
import type { ErrorReport, ExceptionInfo } from './error-page.js';
import { LOAD_NOTE, bodyLine, laterLabel, renderText, summaryRows } from './error-page.js';

const esc = (s: unknown): string =>
  String(s).replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);

const STYLE = `
body{margin:0;font:14px/1.45 system-ui,sans-serif;color:#222;background:#fff}
header{background:#ffc;border-bottom:1px solid #dd9;padding:16px 24px}
header h1{margin:0 0 6px;font-size:22px;font-weight:600}
header .msg{font:15px/1.4 ui-monospace,monospace;white-space:pre-wrap;margin:0}
header .where{color:#555;margin-top:8px}
section{padding:12px 24px;border-bottom:1px solid #eee}
h2{font-size:17px;margin:6px 0 10px}
.frame{margin:8px 0;border:1px solid #ddd;border-radius:4px}
.frame>summary,.frame>.head{padding:6px 10px;background:#f5f5f5;font-family:ui-monospace,monospace;font-size:13px;cursor:pointer}
.frame.app>.head{background:#eef3ff}
.fn{font-weight:600}
pre.code{margin:0;padding:6px 0;overflow-x:auto;font:13px/1.4 ui-monospace,monospace;background:#fafafa}
pre.code span{display:block;padding:0 10px}
pre.code .hit{background:#fdd;font-weight:600}
pre.code .caret{color:#c00;font-weight:700}
table{border-collapse:collapse;width:100%;font-size:13px}
td,th{text-align:left;vertical-align:top;padding:3px 8px;border-bottom:1px solid #f0f0f0}
th{width:22%;color:#555;font-weight:500}
td{font-family:ui-monospace,monospace;word-break:break-all}
footer{padding:12px 24px;color:#666;background:#f5f5f5}
.cause{color:#933}
table.summary th{width:16%}
header .note{margin:6px 0 0;color:#555}
.locals>summary{padding:4px 10px;color:#555;cursor:pointer}
#copy textarea{width:100%;height:24em;font:12px/1.4 ui-monospace,monospace;box-sizing:border-box}
`;

function codeHtml(c: CodeContext): string {
  const width = String(c.start + c.lines.length - 1).length;
  const rows = c.lines.map((l, i) => {
    const n = c.start + i;
    const row = `<span${n === c.line ? ' class="hit"' : ''}>${esc(String(n).padStart(width))}  ${esc(l) || ' '}</span>`;
    return n === c.line && c.column > 0 ? `${row}<span class="caret">${' '.repeat(width + 1 + c.column)}^</span>` : row;
  });
  return `<pre class="code">${rows.join('')}</pre>`;
}

function frameHead(f: Frame): string {
  return `<span class="fn">${esc(f.fn)}</span> <span class="loc">${esc(f.file)}:${f.line}:${f.column}</span>`;
}

/** App frames open with their code; each run of other frames (Node, node_modules, Narwhal) folded into one line. */
function framesHtml(e: ExceptionInfo): string {
  if (e.frames.length === 0) return `<pre class="code"><span>${esc(e.stack)}</span></pre>`;
  const out: string[] = [];
  let run: Frame[] = [];
  const flush = () => {
    if (run.length === 0) return;
    const label = run.length === 1 ? frameHead(run[0]!) : `${run.length} frames in Node.js, dependencies or narwhal`;
    out.push(`<details class="frame"><summary>${label}</summary>${run.length > 1 ? `<pre class="code">${run.map((f) => `<span>${frameHead(f)}</span>`).join('')}</pre>` : ''}</details>`);
    run = [];
  };
  for (const f of e.frames) {
    if (!f.context) {
      run.push(f);
      continue;
    }
    flush();
    const locals = f.locals?.length ? `<details class="locals"><summary>Local variables (${f.locals.length})</summary>${table(f.locals)}</details>` : '';
    out.push(`<div class="frame app"><div class="head">${frameHead(f)}</div>${codeHtml(f.context)}${locals}</div>`);
  }
  flush();
  return out.join('\n');
}

function table(rows: readonly (readonly [string, string])[]): string {
  if (rows.length === 0) return '<p>(none)</p>';
  return `<table>${rows.map(([k, v]) => `<tr><th>${esc(k)}</th><td>${esc(v)}</td></tr>`).join('')}</table>`;
}

function requestHtml(r: ErrorReport): string {
  const q = r.request;
  if (!q) return '';
  const body = q.body ? [['Body', bodyLine(q.body)] as const, ...(q.body.preview !== null ? [['Body start', q.body.preview] as const] : [])] : [];
  return `<section id="request"><h2>Request</h2>
${table([['Method', q.method], ['URL', q.url], ['HTTP version', q.httpVersion], ...body])}
<h2>Query parameters</h2>${table(q.query)}
<h2>Headers</h2>${table(q.headers)}</section>`;
}

function environmentHtml(r: ErrorReport): string {
  const env = r.environment;
  return `<section id="environment"><h2>Environment</h2>
${table([['Node.js', env.node], ['narwhal', env.narwhal], ['Worker pid', String(env.pid)], ['Platform', env.platform], ['Working directory', env.cwd], ['App', env.app ?? '(none)'], ['Command', env.argv.join(' ')], ['Time', r.time]])}
<details><summary>Environment variables (${Object.keys(env.vars).length}; secret-looking values masked)</summary>${table(Object.entries(env.vars))}</details></section>`;
}

export function renderHtml(r: ErrorReport): string {
  const [first, ...causes] = r.exceptions;
  const loc = r.location;
  const where = loc ? `<div class="where">at <code>${esc(loc.file)}:${loc.line}${loc.column ? `:${loc.column}` : ''}</code></div>` : '';
  const locHtml = loc?.context ? `<section id="location"><h2>Where</h2><div class="frame app"><div class="head">${esc(loc.file)}:${loc.line}</div>${codeHtml(loc.context)}</div></section>` : '';
  const causeHtml = causes
    .map((c) => `<section class="cause"><h2>${esc(laterLabel())}${esc(c.type)}: ${esc(c.message)}</h2>${framesHtml(c)}</section>`)
    .join('\n');
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width">
<meta name="robots" content="noindex,nofollow"><title>${esc(r.title)}</title><style>${STYLE}</style></head>
<body>
<header><h1 id="title">${esc(r.title)}</h1><pre class="msg" id="message">${esc(first!.type)}: ${esc(first!.message)}</pre>${where}${r.kind === 'load' ? `<p class="note">${esc(LOAD_NOTE)}</p>` : ''}
<table class="summary" id="summary">${summaryRows(r).map(([k, v]) => `<tr><th>${esc(k)}</th><td>${esc(v)}</td></tr>`).join('')}</table></header>
${locHtml}
<section id="traceback"><h2>Traceback</h2>${framesHtml(first!)}</section>
${causeHtml}
${requestHtml(r)}
${environmentHtml(r)}
<section id="copy"><details><summary>Copy-and-paste view</summary><textarea id="plain-text" readonly spellcheck="false">${esc(renderText(r))}</textarea></details></section>
<footer>You see this page because narwhal runs with <code>--debug</code> (<code>narwhal dev</code>). Never use it in production: there an error is a plain 500.</footer>
</body></html>
`;
}
