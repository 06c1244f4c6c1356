// Roles in the console, in a real browser on this run's backend: a viewer sees no key
// secret and no button that changes anything (keys, bindings, datasets, widgets, users,
// tokens), and an owner changes a role from the Users page. Screenshots of each step go
// to test-artifacts/console-roles/.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { builtConsole } from '../scripts/console-build.mjs';
import { countWidget } from './support/fixtures.ts';
import { chooseOption, consolePage, launchBrowser, screenshots } from './support/browser.ts';
import { startTestServer, type TestServer } from './support/test-server.ts';

const OWNER = { email: 'owner@example.com', password: 'first admin pass' };
const VIEWER = { email: 'viewer@example.com', password: 'a viewer password' };

describe('the console: what a viewer sees, and an owner changing roles', { timeout: 300_000 }, () => {
  let t: TestServer;
  let url: string;
  let browser: Browser;
  let context: BrowserContext;
  let page: Page;
  let secret: string;
  const shots = screenshots('console-roles');
  const test = (id: string) => page.locator(`[data-test="${id}"]`);

  async function signInAs(who: { email: string; password: string }): Promise<void> {
    await page.goto('/admin/sign-in');
    await test('signin-email').fill(who.email);
    await test('signin-password').fill(who.password);
    await test('signin-password').press('Enter');
    await page.waitForURL(/\/admin\/settings\/public-api/);
  }

  before(async () => {
    const consoleDir = await builtConsole({ log: () => {} });
    t = await startTestServer({ DATAGATE_CONSOLE_DIR: consoleDir });
    await t.server.app.listen({ host: '127.0.0.1', port: 0 });
    const addr = t.server.app.server.address();
    assert.ok(addr !== null && typeof addr === 'object');
    url = `http://127.0.0.1:${addr.port}`;
    await t.modules.access.users.create(t.tenant.id, { ...OWNER, role: 'owner' });
    await t.modules.access.users.create(t.tenant.id, { ...VIEWER, role: 'viewer' });
    const ds = await t.modules.catalog.datasets.importFile(t.tenant.id, {
      file: t.file('t.csv', 'id,summary\n1,Printer\n'),
      name: 'Tickets',
    });
    const w = await countWidget(t, ds.id, 'Ticket count');
    const k = await t.modules.access.keys.create(t.tenant.id, { name: 'Portal' });
    secret = k.key;
    await t.modules.access.keys.bind(t.tenant.id, k.id, 'dataset', ds.id, '');
    await t.modules.access.keys.bind(t.tenant.id, k.id, 'widget', w.id, '');
    await t.server.refresh();
    browser = await launchBrowser();
    ({ context, page } = await consolePage(browser, url));
  });

  after(async () => {
    await context?.close();
    await browser?.close();
    await t?.close();
  });

  it('shows a viewer the keys without their secret and without a button that changes anything', async () => {
    await signInAs(VIEWER);
    assert.equal(await test('user-role').innerText(), 'viewer');
    await test('masked-key').waitFor();
    await test('bound-row').first().waitFor();
    await test('bound-toggle').first().click();
    await test('try-needs-admin').waitFor();
    await shots.take(page, 'viewer-keys');
    for (const id of [
      'key-reveal',
      'key-copy',
      'add-key',
      'edit-key',
      'rotate-key',
      'toggle-key',
      'remove-key',
      'rate-limit-edit',
      'add-resource',
      'scope-edit',
      'scope-clear',
    ]) {
      assert.equal(await test(id).count(), 0, `a viewer sees ${id}`);
    }
    assert.equal(await test('bound-delete').count(), 0, 'a viewer sees a binding’s remove button');
    assert.equal(await test('try-send').count(), 0, 'a viewer can try a request (it sends the secret)');
    const switchOff = await test('public-api-switch').evaluate(
      (el) =>
        el.classList.contains('is-disabled') || !!el.closest('.is-disabled') || !!el.querySelector('input:disabled'),
    );
    assert.ok(switchOff, 'a viewer can flip the Public API switch');
    assert.ok(!(await page.content()).includes(secret.slice(4)), 'the page holds the key’s secret');
    // Copying a snippet copies the masked key, never the secret.
    await test('code-copy').first().click();
    const copied = await page.evaluate(() => navigator.clipboard.readText());
    assert.ok(!copied.includes(secret.slice(4)), `the copied snippet holds the secret: ${copied}`);

    await test('nav-datasets').click();
    await test('dataset-preview-button').first().waitFor();
    for (const id of ['dataset-upload', 'dataset-reload-button', 'dataset-edit-button', 'dataset-delete-button'])
      assert.equal(await test(id).count(), 0, `a viewer sees ${id}`);
    await shots.take(page, 'viewer-datasets');

    await test('nav-widgets').click();
    await page.waitForURL(/\/admin\/widgets$/);
    await page.getByText('Ticket count').first().waitFor();
    for (const id of ['widget-new', 'widget-delete-button'])
      assert.equal(await test(id).count(), 0, `a viewer sees ${id}`);

    await test('nav-users').click();
    await test('user-role-tag').first().waitFor();
    for (const id of ['user-add', 'user-delete', 'user-role-select'])
      assert.equal(await test(id).count(), 0, `a viewer sees ${id}`);
    await shots.take(page, 'viewer-users');
    assert.equal(await test('nav-tokens').count(), 0, 'a viewer sees the Tokens section');
    await page.goto('/admin/tokens');
    await test('tokens-owners-only').waitFor();
    assert.equal(await test('token-create').count(), 0);
    await test('sign-out').click();
    await page.waitForURL(/\/admin\/sign-in/);
  });

  it('lets an owner change a role on the Users page', async () => {
    await signInAs(OWNER);
    assert.equal(await test('user-role').innerText(), 'owner');
    await test('nav-tokens').waitFor();
    await test('nav-users').click();
    const row = page.locator('tr', { has: page.locator(`[data-test="user-row"][data-email="${VIEWER.email}"]`) });
    await row.waitFor();
    await shots.take(page, 'owner-users');
    await chooseOption(page, row.locator('[data-test="user-role-select"]'), 'Admin');
    await page.getByText(`${VIEWER.email} is now an admin`).waitFor();
    const viewer = (await t.modules.access.users.list(t.tenant.id)).find((u) => u.email === VIEWER.email);
    assert.equal(viewer?.role, 'admin');
    const entry = await t.modules.access.audit.list(t.tenant.id, { page: 1, size: 1, action: 'user.role' });
    assert.deepEqual([entry.items[0].actor, entry.items[0].detail], [OWNER.email, 'viewer → admin']);
  });
});
