import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseAppSpec } from '../../../src/app/app-name.js';
import { detectInterface } from '../../../src/app/loader.js';
import { parameterNames } from '../../../src/app/contract.js';

test('module, attr, factory call with literal arguments', () => {
  assert.deepEqual(parseAppSpec('src/app.ts'), { module: 'src/app.ts', attr: ['default'], args: null });
  assert.deepEqual(parseAppSpec('src/app.ts:server.handler'), { module: 'src/app.ts', attr: ['server', 'handler'], args: null });
  assert.deepEqual(parseAppSpec('app.ts:create()'), { module: 'app.ts', attr: ['create'], args: [] });
  assert.deepEqual(parseAppSpec(`app.ts:create("x, y", 2, -1.5, true, null, 'q')`), { module: 'app.ts', attr: ['create'], args: ['x, y', 2, -1.5, true, null, 'q'] });
  assert.throws(() => parseAppSpec('app.ts:create(process.env)'), /literals/);
});

test('the auto rule for the contract', () => {
  assert.equal(detectInterface({ fetch() {} }, 'auto'), 'fetch');
  assert.equal(detectInterface((_r: Request) => new Response(), 'auto'), 'fetch');
  assert.equal(detectInterface((_a: unknown, _b: unknown) => {}, 'auto'), 'node');
  assert.equal(detectInterface((_a: unknown, _b: unknown) => {}, 'fetch'), 'fetch');
  assert.equal(detectInterface(42, 'auto'), null);
  assert.equal(detectInterface({}, 'node'), null);
});

test('a second parameter\'s name decides before the count: (request, ctx) is fetch-style, (req, res) node-style', () => {
  // React Router's createRequestHandler returns `requestHandler(request, initialContext)`.
  assert.equal(detectInterface(async function requestHandler(_request: Request, _initialContext?: unknown) {}, 'auto'), 'fetch');
  assert.equal(detectInterface((_request: Request, _env: unknown) => new Response(), 'auto'), 'fetch');
  assert.equal(detectInterface(function handle(_req: unknown, _res: unknown, _next: unknown) {}, 'auto'), 'node');
  assert.equal(detectInterface((_a: unknown, _b: unknown) => {}, 'auto'), 'node');
  assert.equal(detectInterface((_a: unknown, _context: unknown) => {}, 'node'), 'node');
  assert.deepEqual(parameterNames(({ a }: { a: number }, ctx: unknown) => [a, ctx]), ['', 'ctx']);
  assert.deepEqual(parameterNames((x: unknown) => x), ['x']);
  assert.deepEqual(parameterNames(() => 0), []);
});
