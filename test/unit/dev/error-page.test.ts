// The dev error pages' pure parts: where an error points, content negotiation,
// masking of secrets, escaping, and the three formats.

import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, describe, it } from 'node:test';
import { buildReport, maskSecrets, negotiate, renderReport, type Environment } from '../../../src/dev/error-page.js';
import { locateError, parseStack } from '../../../src/dev/stack.js';

const env: Environment = { node: 'v0', narwhal: '0', pid: 1, platform: 'linux x64', cwd: '/', argv: ['node'], app: 'app.ts', vars: { HOME: '/root', API_KEY: 'xyz', DB_PASSWORD: 'p' } };

describe('dev error pages', () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'narwhal-errpage-'));
  after(() => rmSync(dir, { recursive: true, force: true }));
  const file = path.join(dir, 'route.ts');
  writeFileSync(file, ['const a = 1;', 'const b = 2;', 'export function f() {', '  throw new Error("<b>bad</b>");', '}'].join('\n'));

  it('reads frames with code context for app files only', () => {
    const stack = `Error: x\n    at f (${file}:4:9)\n    at g (file://${file}:1:1)\n    at h (/x/node_modules/y/index.js:1:1)\n    at node:internal/x:1:1`;
    const frames = parseStack(stack);
    assert.deepEqual(frames.map((f) => [f.fn, f.line, f.app]), [['f', 4, true], ['g', 1, true], ['h', 1, false], ['(anonymous)', 1, false]]);
    assert.equal(frames[0]!.context!.lines[frames[0]!.context!.line - frames[0]!.context!.start], '  throw new Error("<b>bad</b>");');
  });

  it('locates compile errors, V8 syntax errors and throws at import', () => {
    const esbuild = new Error(`Transform failed with 1 error:\n${file}:2:7: ERROR: Unexpected`);
    assert.deepEqual(locateError(esbuild), { file, line: 2, column: 7 });
    const v8 = new SyntaxError('Unexpected token');
    v8.stack = `file://${file}:3\nexport function f( {\n\nSyntaxError: Unexpected token`;
    assert.deepEqual(locateError(v8), { file, line: 3, column: 0 });
    const thrown = new RangeError('at import');
    thrown.stack = `RangeError: at import\n    at ${file}:4:9\n    at ModuleJob.run (node:internal/modules/esm/module_job:1:1)`;
    assert.deepEqual(locateError(thrown), { file, line: 4, column: 9 });
  });

  it('negotiates HTML for browsers, JSON when asked, text otherwise', () => {
    assert.equal(negotiate('text/html,application/xhtml+xml,*/*;q=0.8'), 'html');
    assert.equal(negotiate('application/json'), 'json');
    assert.equal(negotiate('*/*'), 'text');
    assert.equal(negotiate(undefined), 'text');
  });

  it('masks secret-looking values and escapes HTML', () => {
    assert.deepEqual(maskSecrets({ API_KEY: 'k', HOME: '/h', SESSION_SECRET: 's' }), { API_KEY: '********', HOME: '/h', SESSION_SECRET: '********' });
    const err = new Error('<b>bad</b>');
    err.stack = `Error: <b>bad</b>\n    at f (${file}:4:9)`;
    const report = buildReport({
      kind: 'exception',
      error: err,
      request: { method: 'GET', url: '/x?q=<i>', httpVersion: '1.1', headers: [['Cookie', 'sid=1'], ['Host', 'h']], query: [['q', '<i>']], body: null },
      environment: env,
    });
    const html = renderReport(report, 'html');
    assert.equal(html.contentType, 'text/html; charset=utf-8');
    assert.doesNotMatch(html.body, /<b>bad<\/b>|<i>/);
    assert.match(html.body, /&lt;b&gt;bad&lt;\/b&gt;/);
    assert.doesNotMatch(html.body, /sid=1|xyz/);
    const json = JSON.parse(renderReport(report, 'json').body);
    assert.equal(json.error.type, 'Error');
    assert.equal(json.error.frames[0].line, 4);
    assert.equal(json.environment.vars.DB_PASSWORD, '********');
    const text = renderReport(report, 'text').body;
    assert.match(text, /^Error at \/x\?q=<i>\n/);
    assert.match(text, />\s*4 \|\s+throw new Error/);
  });
});
