// The dev error pages as a person sees them: real headless Chromium (Debian's
// /usr/bin/chromium, driven by playwright-core) loads the debug page of an
// uncaught exception and of a broken edit, and a screenshot is taken of each.

import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { copyDevApp, startDev, type DevServer } from '../helpers/dev.js';
import { request } from '../helpers/http.js';
import { waitFor } from '../helpers/narwhal.js';

const CHROMIUM = '/usr/bin/chromium';
const skip = existsSync(CHROMIUM) ? false : `${CHROMIUM} is not installed (apt-get install chromium); skipping the browser checks`;
const PNG_SIGNATURE = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);

describe('dev error pages in Chromium', { skip }, () => {
  let browser: import('playwright-core').BrowserContext;
  let server: DevServer;
  let dir: string;
  const shots = mkdtempSync(path.join(tmpdir(), 'narwhal-shots-'));
  const profile = mkdtempSync(path.join(tmpdir(), 'narwhal-chromium-'));

  before(async () => {
    const { chromium } = await import('playwright-core');
    // A fresh profile directory (Playwright passes it as --user-data-dir).
    browser = await chromium.launchPersistentContext(profile, {
      executablePath: CHROMIUM,
      headless: true,
      timeout: 30_000,
      args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
    });
    dir = copyDevApp({ keep: true });
    server = await startDev(['app.ts'], { cwd: dir });
  });

  after(async () => {
    await browser?.close();
    await server?.stop();
    rmSync(shots, { recursive: true, force: true });
    if (dir) rmSync(dir, { recursive: true, force: true });
    rmSync(profile, { recursive: true, force: true });
  });

  const screenshot = async (page: import('playwright-core').Page, name: string) => {
    const file = path.join(shots, name);
    await page.screenshot({ path: file, fullPage: true });
    const png = readFileSync(file);
    assert.ok(png.length > 1000, `screenshot ${name} is ${png.length} bytes`);
    assert.deepEqual(png.subarray(0, 8), PNG_SIGNATURE);
  };

  it('shows an uncaught exception with the frame at the app\'s .ts line', async () => {
    const page = await browser.newPage();
    const response = await page.goto(`${server.url}/boom?why=sprockets`);
    assert.equal(response?.status(), 500);
    assert.match(response?.headers()['content-type'] ?? '', /^text\/html/);
    assert.equal(await page.title(), 'TypeError at /boom?why=sprockets');
    assert.equal(await page.textContent('#message'), 'TypeError: the widget broke: sprockets');
    const firstFrame = page.locator('#traceback .frame.app').first();
    assert.match(await firstFrame.locator('.loc').textContent() ?? '', new RegExp(`${path.join(dir, 'helpers.ts').replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}:7:\\d+$`));
    assert.match(await firstFrame.locator('.hit').textContent() ?? '', /^7\s+throw new TypeError/);
    assert.equal(await page.locator('#request td', { hasText: 'sprockets' }).count() > 0, true);
    assert.ok(await page.locator('#environment').isVisible());
    await screenshot(page, 'exception.png');
    await page.close();
  });

  it('leads with the summary table, shows the frame\'s local variables, and toggles the plain-text view', async () => {
    await server.waitForLog(/reads local variables for the debug page/);
    const page = await browser.newPage();
    await page.goto(`${server.url}/boom?why=sprockets`);
    const rows = Object.fromEntries(
      await page.locator('#summary tr').evaluateAll((trs) => trs.map((tr) => [tr.querySelector('th')?.textContent ?? '', tr.querySelector('td')?.textContent ?? ''])),
    ) as Record<string, string>;
    assert.equal(rows['Exception type'], 'TypeError');
    assert.equal(rows['Exception value'], 'the widget broke: sprockets');
    assert.match(rows['Location'] ?? '', new RegExp(`helpers\\.ts:7:\\d+, in explode$`));
    assert.equal(rows['Request method'], 'GET');
    assert.equal(rows['Request URL'], '/boom?why=sprockets');
    assert.equal(rows['Node.js'], process.version);
    assert.match(rows['Narwhal'] ?? '', /^\d+\.\d+\.\d+/);
    // The summary is the first thing on the page, above the traceback.
    const [summaryTop, tracebackTop] = await Promise.all([page.locator('#summary').boundingBox(), page.locator('#traceback').boundingBox()]);
    assert.ok(summaryTop && tracebackTop && summaryTop.y < tracebackTop.y);

    const locals = page.locator('#traceback .frame.app').first().locator('details.locals');
    assert.equal(await locals.locator('table').isVisible(), false);
    await locals.locator('summary').click();
    assert.equal(await locals.locator('tr', { hasText: 'why' }).locator('td').textContent(), '"sprockets"');
    assert.equal(await locals.locator('tr', { hasText: 'reason' }).locator('td').textContent(), 'Object');

    const plain = page.locator('#plain-text');
    assert.equal(await plain.isVisible(), false, 'the plain-text view starts folded');
    await page.locator('#copy summary').click();
    assert.equal(await plain.isVisible(), true, 'one click opens it');
    const text = await plain.inputValue();
    assert.match(text, /^TypeError at \/boom\?why=sprockets\n\nException type: +TypeError\nException value: +the widget broke: sprockets\n/);
    assert.match(text, /> +7 \| +throw new TypeError/);
    assert.match(text, /Local variables:\n +why = "sprockets"/);
    assert.doesNotMatch(text, /<[a-z]+[ >]/, 'plain text, no markup');
    await screenshot(page, 'plain-text.png');
    await page.locator('#copy summary').click();
    assert.equal(await plain.isVisible(), false, 'a second click folds it again');
    await page.close();
  });

  it('shows a broken edit as the load error with file, line and code frame, until the fix', async () => {
    const goodWorker = server.readyPids().at(-1)!;
    writeFileSync(path.join(dir, 'message.ts'), "export const message: string = 'oops' +;\n");
    await waitFor('the load-error page', async () => (await request(`${server.url}/`)).status === 500);
    await server.waitForLog(new RegExp(`Worker ${goodWorker} retired`));
    const page = await browser.newPage();
    const response = await page.goto(`${server.url}/`);
    assert.equal(response?.status(), 500);
    assert.equal(await page.title(), 'SyntaxError in message.ts');
    assert.doesNotMatch(await page.content(), /TransformError|Reported as|NarwhalError/);
    assert.match(await page.textContent('#summary') ?? '', /Exception typeSyntaxError/);
    assert.match(await page.textContent('header .where') ?? '', new RegExp(`message\\.ts:1:\\d+`));
    assert.match(await page.locator('#location .hit').textContent() ?? '', /^1\s+export const message: string = 'oops' \+;/);
    await screenshot(page, 'load-error.png');
    const errorWorker = server.readyPids().at(-1)!;
    writeFileSync(path.join(dir, 'message.ts'), "export const message: string = 'repaired';\n");
    await waitFor('the repaired app', async () => (await request(`${server.url}/`)).status === 200);
    // The error-mode worker serves until it has retired (readiness-gated: new first, then old).
    await server.waitForLog(new RegExp(`Worker ${errorWorker} retired`));
    const again = await page.goto(`${server.url}/`);
    assert.equal(again?.status(), 200);
    assert.equal((await page.textContent('body'))?.trim(), 'repaired');
    await page.close();
  });
});
