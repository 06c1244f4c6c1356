import fs from 'node:fs';
import path from 'node:path';
import { chromium, type Browser, type BrowserContext, type Locator, type Page } from 'playwright-core';

/** Debian's Chromium, installed by .ci/run; never a browser downloaded by a test tool. */
export const CHROMIUM = '/usr/bin/chromium';

// Without the networking flags Chromium keeps calling home, and this network refuses it.
const ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--no-first-run',
];

export async function launchBrowser(): Promise<Browser> {
  if (!fs.existsSync(CHROMIUM)) throw new Error(`${CHROMIUM} is missing: install Debian's chromium (.ci/run does)`);
  return chromium.launch({ executablePath: CHROMIUM, args: ARGS, headless: true });
}

/**
 * A page for walking the console at `url`: a 1440×900 window, reduced motion (charts
 * draw at once), the clipboard readable (the copy icons), 15 s for any one wait.
 */
export async function consolePage(
  browser: Browser,
  url: string,
  opts: { headers?: Record<string, string> } = {},
): Promise<{ context: BrowserContext; page: Page }> {
  const context = await browser.newContext({
    viewport: { width: 1440, height: 900 },
    reducedMotion: 'reduce',
    baseURL: url,
    extraHTTPHeaders: opts.headers,
  });
  await context.grantPermissions(['clipboard-read', 'clipboard-write'], { origin: url });
  const page = await context.newPage();
  page.setDefaultTimeout(15_000);
  // The console runs under its Content-Security-Policy: anything it refuses is recorded.
  page.on('console', (m) => {
    if (/Content Security Policy/i.test(m.text())) cspViolations.push(m.text());
  });
  return { context, page };
}

/** Everything a console page's Content-Security-Policy refused in this test process. */
export const cspViolations: string[] = [];

/** Saves numbered screenshots of a walk into test-artifacts/<name>/ (emptied first). */
export function screenshots(name: string) {
  const dir = path.resolve('test-artifacts', name);
  fs.rmSync(dir, { recursive: true, force: true });
  fs.mkdirSync(dir, { recursive: true });
  let n = 0;
  return {
    dir,
    /**
     * The whole page, or with `view` the window only. Toasts already in an earlier
     * screenshot are taken away first, so each picture shows its own step's feedback
     * (`view` takes every toast away: the picture in the README is one of these).
     */
    async take(page: Page, step: string, opts: { view?: boolean } = {}): Promise<string> {
      const file = path.join(dir, `${String(++n).padStart(2, '0')}-${step}.png`);
      await page.evaluate((all) => {
        for (const m of document.querySelectorAll<HTMLElement>('.el-message')) if (all || m.dataset.shot) m.remove();
      }, opts.view === true);
      await page.screenshot({ path: file, fullPage: !opts.view, animations: 'disabled' });
      await page.evaluate(() =>
        document.querySelectorAll<HTMLElement>('.el-message').forEach((m) => (m.dataset.shot = '1')),
      );
      return file;
    },
  };
}

/**
 * Picks the option `text` of an Element Plus select: opens it and clicks the option in
 * the select's own list (its input's aria-controls), never in another select's list
 * that is still closing.
 */
export async function chooseOption(page: Page, select: Locator, text: string | RegExp): Promise<void> {
  await select.click();
  const list = await select.locator('input').first().getAttribute('aria-controls');
  if (!list) throw new Error('the select has no list (aria-controls) to choose from');
  await page.locator(`[id="${list}"] .el-select-dropdown__item`, { hasText: text }).first().click();
}
