// The HTML report opens in headless Chromium (Debian's package) with no console error and shows
// every figure and table. Skips, saying why, where Chromium is not installed.
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { test } from 'node:test';
import { chromium, type BrowserContext } from 'playwright-core';
import { writeReport } from '../reports/index.ts';

const CHROMIUM = '/usr/bin/chromium';
const RUNS = ['synthetic-paper', 'synthetic-net-a', 'synthetic-net-b'].map((r) =>
  path.resolve(import.meta.dirname, '..', 'fixtures', 'runs', r),
);

test('report.html: no console error, all figures and tables visible', { skip: existsSync(CHROMIUM) ? false : `${CHROMIUM} not installed (apt-get install chromium)` }, async () => {
  const out = await mkdtemp(path.join(tmpdir(), 'm3bench-html-test-'));
  const profile = await mkdtemp(path.join(tmpdir(), 'm3bench-chromium-profile-'));
  let browser: BrowserContext | undefined;
  try {
    // A fresh profile directory (playwright passes it as --user-data-dir); root needs --no-sandbox.
    browser = await chromium.launchPersistentContext(profile, {
      executablePath: CHROMIUM,
      headless: true,
      args: ['--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
    });
    await writeReport(RUNS, out);
    const page = await browser.newPage();
    const problems: string[] = [];
    page.on('console', (m) => {
      if (m.type() === 'error') problems.push(`console: ${m.text()}`);
    });
    page.on('pageerror', (e) => problems.push(`page error: ${e.message}`));
    // Any request leaving file:// would mean the report is not self-contained.
    page.on('request', (r) => {
      if (!r.url().startsWith('file:')) problems.push(`network: ${r.url()}`);
    });
    await page.goto(pathToFileURL(path.join(out, 'report.html')).href, { waitUntil: 'load' });
    assert.deepEqual(problems, []);
    const figures = page.locator('figure.chart svg');
    assert.equal(await figures.count(), 5);
    for (let i = 0; i < 5; i++) {
      const box = await figures.nth(i).boundingBox();
      assert.ok(box && box.width > 200 && box.height > 100, `figure ${i} is visible`);
    }
    const headings = await page.locator('section.table h2').allTextContents();
    for (const t of ['Table 1', 'Table 2', 'Table 3', 'Results per case']) assert.ok(headings.some((h) => h.startsWith(t)), t);
  } finally {
    await browser?.close();
    await rm(out, { recursive: true, force: true });
    await rm(profile, { recursive: true, force: true });
  }
});
