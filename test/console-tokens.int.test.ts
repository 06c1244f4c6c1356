// The Tokens page in a real browser, on this run's backend: a token created with a name
// and an expiry, its secret shown once with a copy button and working on the admin API,
// listed without it afterwards, and revoked after a confirmation. Screenshots of each
// step go to test-artifacts/console-tokens/.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { builtConsole } from '../scripts/console-build.mjs';
import { chooseOption, consolePage, launchBrowser, screenshots } from './support/browser.ts';
import { startTestServer, type TestServer } from './support/test-server.ts';

const ADMIN = { email: 'owner@example.com', password: 'first admin pass' };

describe('the console: the Tokens page', { timeout: 300_000 }, () => {
  let t: TestServer;
  let url: string;
  let browser: Browser;
  let context: BrowserContext;
  let page: Page;
  const shots = screenshots('console-tokens');
  const test = (id: string) => page.locator(`[data-test="${id}"]`);

  before(async () => {
    const consoleDir = await builtConsole({ log: () => {} });
    t = await startTestServer({ DATAGATE_CONSOLE_DIR: consoleDir });
    await t.server.app.listen({ host: '127.0.0.1', port: 0 });
    const addr = t.server.app.server.address();
    assert.ok(addr !== null && typeof addr === 'object');
    url = `http://127.0.0.1:${addr.port}`;
    await t.modules.access.users.create(t.tenant.id, ADMIN);
    browser = await launchBrowser();
    ({ context, page } = await consolePage(browser, url));
    await page.goto('/admin/sign-in');
    await test('signin-email').fill(ADMIN.email);
    await test('signin-password').fill(ADMIN.password);
    await test('signin-password').press('Enter');
    await page.waitForURL(/\/admin\/settings\/public-api/);
  });

  after(async () => {
    await context?.close();
    await browser?.close();
    await t?.close();
  });

  it('creates a token: the secret once, with a copy button, and a list without it', async () => {
    await test('nav-tokens').click();
    await page.waitForURL(/\/admin\/tokens$/);
    await test('token-table').waitFor();
    await test('token-create').click();
    await test('token-dialog').waitFor();
    await test('token-submit').click();
    await test('token-error').waitFor();
    assert.match(await test('token-error').innerText(), /name/);
    await test('token-name').fill('Nightly reload');
    await chooseOption(page, test('token-expires'), '30 days');
    await test('token-submit').click();
    await test('token-secret').waitFor();
    const secret = (await test('token-secret').innerText()).trim();
    assert.match(secret, /^dgt_[0-9a-f]{64}$/);
    await shots.take(page, 'token-created');

    await test('token-copy').click();
    assert.equal(await page.evaluate(() => navigator.clipboard.readText()), secret);

    const [token] = await t.modules.access.tokens.list(t.tenant.id);
    assert.equal(token.name, 'Nightly reload');
    assert.equal(token.createdBy, ADMIN.email);
    assert.equal(token.role, 'admin');
    const days = (Date.parse(token.expiresAt!) - Date.now()) / 86_400_000;
    assert.ok(days > 29 && days <= 30, `expires in ${days} days`);

    // The secret works on the admin API, with no cookie.
    const res = await fetch(`${url}/admin/api/datasets`, { headers: { authorization: `Bearer ${secret}` } });
    assert.equal(res.status, 200);

    await test('token-done').click();
    await test('token-dialog').waitFor({ state: 'hidden' });
    const row = page.locator('[data-test="token-row"][data-name="Nightly reload"]');
    await row.waitFor();
    assert.ok(!(await page.content()).includes(secret.slice(4)), 'the page still holds the secret');
    assert.equal(await test('token-hint').first().innerText(), `dgt_…${secret.slice(-4)}`);
    // Opening the dialog again shows an empty form, not the last secret.
    await test('token-create').click();
    await test('token-name').waitFor();
    assert.equal(await test('token-secret').count(), 0);
    await page.keyboard.press('Escape');
    await test('token-dialog').waitFor({ state: 'hidden' });
    await shots.take(page, 'token-listed');

    // Revoke: Cancel keeps it, the confirmation revokes it.
    await page.locator('tr', { has: row }).locator('[data-test="token-revoke"]').click();
    await page.locator('.el-message-box').getByText('Cancel').click();
    await page.locator('.el-message-box').waitFor({ state: 'hidden' });
    assert.equal((await t.modules.access.tokens.list(t.tenant.id)).length, 1);
    await page.locator('tr', { has: row }).locator('[data-test="token-revoke"]').click();
    await shots.take(page, 'token-revoke-confirm');
    await page.locator('.el-message-box .el-button--danger').click();
    await row.waitFor({ state: 'detached' });
    assert.equal((await t.modules.access.tokens.list(t.tenant.id)).length, 0);
    const refused = await fetch(`${url}/admin/api/datasets`, { headers: { authorization: `Bearer ${secret}` } });
    assert.equal(refused.status, 401);
  });
});
