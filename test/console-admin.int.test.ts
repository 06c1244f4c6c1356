// The rest of the console in a real browser, on this run's backend (SQLite, then
// PostgreSQL + Redis): the setup page of a server without admins, dialogs driven from
// the keyboard, the rate limit edited, the Add Dataset dialog with more than a page of
// datasets (pages, "Go to", sorting, integration groups, a selection across pages),
// the Datasets page (search, preview with the filter language, a refused type, reload,
// delete with its impact), Users, and signing out. Screenshots of each step go to
// test-artifacts/console-admin/.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Browser, BrowserContext, Locator, Page } from 'playwright-core';
import { builtConsole } from '../scripts/console-build.mjs';
import { chooseOption, consolePage, cspViolations, launchBrowser, screenshots } from './support/browser.ts';
import { startTestServer, type TestServer } from './support/test-server.ts';

const ADMIN = { email: 'owner@example.com', password: 'first admin pass' };
const SETS = 105; // more than the dialog's 100 per page
const setName = (i: number) => `Set ${String(i).padStart(3, '0')}`;
const rows = (n: number) =>
  ['n,label,amount', ...Array.from({ length: n }, (_, k) => `${k + 1},row ${k + 1},${k + 1}`)].join('\n');

describe('the console: setup, keyboard, pages of datasets, the Datasets and Users pages', { timeout: 300_000 }, () => {
  let t: TestServer;
  let url: string;
  let browser: Browser;
  let context: BrowserContext;
  let page: Page;
  const shots = screenshots('console-admin');
  const ids = new Map<string, string>();
  let keyId = '';
  let secret = '';

  const test = (id: string) => page.locator(`[data-test="${id}"]`);
  const publicGet = async (p: string) => {
    const res = await fetch(`${url}${p}`, { headers: { apikey: secret } });
    return { status: res.status, body: (await res.json()) as any };
  };
  const count = (selector: string) => page.locator(selector).count();
  async function waitCount(selector: string, n: number): Promise<void> {
    await page.waitForFunction(([s, n]) => document.querySelectorAll(s as string).length === n, [selector, n] as const);
  }
  /** Waits until the element with this data-test has the keyboard focus. */
  async function focused(id: string): Promise<void> {
    await page.waitForFunction((id) => document.activeElement?.getAttribute('data-test') === id, id);
  }
  const choose = (select: Locator, text: string | RegExp) => chooseOption(page, select, text);

  before(async () => {
    const consoleDir = await builtConsole({ log: () => {} });
    // Trusting the proxy lets a page claim a remote address (X-Forwarded-For): the setup code's case.
    t = await startTestServer({ DATAGATE_CONSOLE_DIR: consoleDir, DATAGATE_TRUST_PROXY: 'true' });
    await t.server.app.listen({ host: '127.0.0.1', port: 0 });
    const addr = t.server.app.server.address();
    assert.ok(addr !== null && typeof addr === 'object');
    url = `http://127.0.0.1:${addr.port}`;
    // Datasets for the dialog's pages: odd ones in group Alpha, even ones in Beta.
    for (let i = 1; i <= SETS; i++) {
      const ds = await t.modules.catalog.datasets.importFile(t.tenant.id, {
        file: t.file(`set-${i}.csv`, rows(5)),
        name: setName(i),
        integrationGroup: i % 2 ? 'Alpha' : 'Beta',
      });
      ids.set(setName(i), ds.id);
    }
    await t.modules.catalog.widgets.create(t.tenant.id, {
      name: 'Amount of the last set',
      dataset: ids.get(setName(SETS)),
      chart: 'number',
      measures: [{ agg: 'sum', field: 'amount', label: 'Amount' }],
    });
    await t.server.refresh();

    browser = await launchBrowser();
    ({ context, page } = await consolePage(browser, url));
  });

  after(async () => {
    await context?.close();
    await browser?.close();
    await t?.close();
  });

  it('offers the setup page while the tenant has no admin, and signs the first one in', async () => {
    assert.equal(await t.modules.access.users.count(t.tenant.id), 0);
    // From another machine the page asks for the setup code, and a wrong one is refused
    // with the server's message.
    const far = await consolePage(browser, url, { headers: { 'x-forwarded-for': '203.0.113.9' } });
    try {
      await far.page.goto('/admin/setup');
      await far.page.locator('[data-test="setup-code"]').waitFor();
      await far.page.locator('[data-test="setup-code"]').fill('AAAA-AAAA');
      await far.page.locator('[data-test="setup-email"]').fill('intruder@example.com');
      await far.page.locator('[data-test="setup-password"]').fill('intruder-password');
      await far.page.locator('[data-test="setup-confirm"]').fill('intruder-password');
      await far.page.locator('[data-test="setup-submit"]').click();
      await far.page.locator('[data-test="setup-error"]').getByText('That is not the setup code').waitFor();
      await shots.take(far.page, 'setup-code-refused');
      assert.equal(await t.modules.access.users.count(t.tenant.id), 0, 'a wrong code creates nobody');
    } finally {
      await far.context.close();
    }
    await page.goto('/admin/');
    assert.equal(await test('setup-code').count(), 0, 'no code is asked on this machine');
    await page.waitForURL(/\/admin\/setup/);
    await test('setup-email').fill(ADMIN.email);
    await test('setup-password').fill(ADMIN.password);
    await test('setup-confirm').fill('something else');
    await test('setup-submit').click();
    await test('setup-form').getByText('The two passwords differ').waitFor();
    assert.equal(await t.modules.access.users.count(t.tenant.id), 0, 'passwords that differ create nobody');
    await shots.take(page, 'setup-passwords-differ');
    await test('setup-confirm').fill(ADMIN.password);
    await test('setup-confirm').press('Enter');
    await page.waitForURL(/\/admin\/settings\/public-api/);
    assert.equal(await test('user-email').innerText(), ADMIN.email);
    assert.equal(await t.modules.access.users.count(t.tenant.id), 1);
    const setup = await fetch(`${url}/admin/api/setup`);
    assert.deepEqual(
      await setup.json(),
      { required: false, codeRequired: false },
      'the setup page is gone once an admin exists',
    );
    await test('empty-state').first().waitFor();
    await shots.take(page, 'signed-in-no-keys');
  });

  it('adds a key from the keyboard, Esc closes the dialog, and the rate limit is edited in place', async () => {
    await test('add-key').click();
    await test('add-key-dialog').waitFor();
    await focused('key-name'); // the dialog focuses Name
    await page.keyboard.type('Portal');
    await page.keyboard.press('Enter');
    await test('add-key-dialog').waitFor({ state: 'hidden' });
    await page.waitForFunction(() =>
      document.querySelector('[data-test="key-select"]')?.textContent?.includes('Portal'),
    );
    const keys = await t.modules.access.keys.list(t.tenant.id);
    assert.deepEqual(
      keys.map((k) => [k.name, k.type, k.rateLimit]),
      [['Portal', 'Custom', 60]],
    );
    keyId = keys[0].id;
    secret = (await t.modules.access.keys.reveal(t.tenant.id, keyId)).key;

    await test('add-key').click();
    await test('add-key-dialog').waitFor();
    await focused('key-name');
    await page.keyboard.type('Not saved');
    await page.keyboard.press('Escape');
    await test('add-key-dialog').waitFor({ state: 'hidden' });
    assert.equal((await t.modules.access.keys.list(t.tenant.id)).length, 1, 'Esc saves nothing');

    await test('rate-limit-edit').click();
    await test('rate-limit-input').locator('input').fill('2');
    await shots.take(page, 'rate-limit-edit');
    await test('rate-limit-input').locator('input').press('Enter');
    await page.waitForFunction(() =>
      /^\s*2\/min/.test(document.querySelector('[data-test="rate-limit"]')?.textContent ?? ''),
    );
    assert.equal((await t.modules.access.keys.get(t.tenant.id, keyId)).rateLimit, 2);
    await shots.take(page, 'rate-limit-saved');
  });

  it('pages, sorts and filters the Add Dataset dialog, and keeps a selection across pages', async () => {
    await test('tab-dataset').click();
    await test('add-resource').click();
    const dialog = test('picker-dialog-dataset');
    await dialog.waitFor();
    const items = '[data-test="picker-dialog-dataset"] [data-test="picker-item"]';
    await waitCount(items, 100);
    const pager = test('picker-pagination');
    assert.match(await pager.innerText(), new RegExp(`Total ${SETS}`));
    assert.match(await test('picker-item').first().innerText(), new RegExp(setName(SETS)), 'newest first');
    await test('picker-item')
      .filter({ hasText: setName(SETS) })
      .click();
    await shots.take(page, 'picker-page-one');

    // "Go to" page 2: the five oldest.
    const jump = pager.locator('.el-pagination__jump input');
    await jump.fill('2');
    await jump.press('Enter');
    await waitCount(items, SETS - 100);
    await test('picker-item')
      .filter({ hasText: setName(3) })
      .click();
    await shots.take(page, 'picker-page-two');

    await test('picker-sort').click();
    await page.waitForFunction(
      (first) =>
        document
          .querySelector('[data-test="picker-dialog-dataset"] [data-test="picker-item"]')
          ?.textContent?.includes(first),
      setName(1),
    );
    await test('picker-group').filter({ hasText: 'Beta' }).click();
    await page.waitForFunction(() =>
      /Total 52\b/.test(
        (document.querySelector('[data-test="picker-pagination"]') as HTMLElement | null)?.innerText ?? '',
      ),
    );
    const shown = await test('picker-item').allInnerTexts();
    assert.equal(shown.length, 52);
    assert.ok(
      shown.every((s) => s.includes('Beta')),
      'only the Beta group is listed',
    );
    await shots.take(page, 'picker-group-beta');

    await test('picker-selected').click();
    await waitCount('[data-test="picker-selected-item"]', 2);
    assert.deepEqual((await test('picker-selected-item').allInnerTexts()).map((s) => s.match(/Set \d{3}/)![0]).sort(), [
      setName(3),
      setName(SETS),
    ]);
    await shots.take(page, 'picker-selected-across-pages');
    await test('picker-add-selected').click();
    await dialog.waitFor({ state: 'hidden' });
    await waitCount('[data-test="bound-list-dataset"] [data-test="bound-row"]', 2);

    const one = await publicGet(`/api/dataset/${ids.get(setName(3))}`);
    const two = await publicGet(`/api/dataset/${ids.get(setName(SETS))}`);
    const three = await publicGet(`/api/dataset/${ids.get(setName(3))}`);
    assert.deepEqual([one.status, two.status, three.status], [200, 200, 429], 'the key reads both, two a minute');
  });

  it('searches datasets, previews rows with the filter language, and shows a refused filter', async () => {
    await test('nav-datasets').click();
    await test('dataset-table').waitFor();
    await test('dataset-search').fill('Set 10');
    await page.waitForFunction(() => {
      const names = [...document.querySelectorAll('[data-test="dataset-row"]')].map((e) => e.getAttribute('data-name'));
      return names.length === 6 && names.every((n) => n!.startsWith('Set 10'));
    });
    const row = page.locator(`[data-test="dataset-row"][data-name="${setName(SETS)}"]`);
    assert.match(await page.locator('tr', { has: row }).innerText(), /1 widget[\s\S]*1 key/);
    await shots.take(page, 'datasets-search');

    await page.locator('tr', { has: row }).locator('[data-test="dataset-preview-button"]').click();
    await test('dataset-preview').waitFor();
    await test('preview-filter').fill('amount=,2');
    await test('preview-filter').press('Enter');
    await page.waitForFunction(() =>
      /^\s*2 matching rows/.test(document.querySelector('[data-test="preview-total"]')?.textContent ?? ''),
    );
    await shots.take(page, 'preview-filtered');
    await test('preview-filter').fill('nope=1');
    await test('preview-filter').press('Enter');
    await test('preview-filter-error').waitFor();
    assert.match(await test('preview-filter-error').innerText(), /nope/);
    await shots.take(page, 'preview-filter-refused');
    await page.keyboard.press('Escape');
    await test('dataset-preview').waitFor({ state: 'hidden' });
  });

  it(
    'uploads NDJSON with a progress bar, shows the server refusing a type, and loads it once the ' +
      'type is changed back',
    async () => {
      // 20,000 lines (about 700 KB) through a connection throttled to 300 KB/s: the bar
      // is seen part-way.
      const lines = Array.from({ length: 20_000 }, (_, i) =>
        JSON.stringify({ code: `A${i}`, cost: i / 4, note: 'x'.repeat(8) }),
      );
      const file = t.file('assets.ndjson', lines.join('\n'));
      const cdp = await context.newCDPSession(page);
      await cdp.send('Network.emulateNetworkConditions', {
        offline: false,
        latency: 0,
        downloadThroughput: -1,
        uploadThroughput: 300_000,
      });
      await test('dataset-upload').click();
      await test('upload-dialog').waitFor();
      await test('dataset-file-input').setInputFiles(file);
      await page.waitForFunction(() => {
        const now = Number(
          document.querySelector('[data-test="upload-progress"][role="progressbar"]')?.getAttribute('aria-valuenow'),
        );
        return now > 0 && now < 100;
      });
      await shots.take(page, 'upload-progress');
      await test('upload-fields').waitFor({ timeout: 30_000 });
      await cdp.send('Network.emulateNetworkConditions', {
        offline: false,
        latency: 0,
        downloadThroughput: -1,
        uploadThroughput: -1,
      });
      await cdp.detach();
      await choose(page.locator('[data-test="field-type"][data-field="code"]'), 'NUMBER');
      await test('dataset-confirm').click();
      await test('dataset-confirm-error').waitFor();
      assert.match(await test('dataset-confirm-error').innerText(), /line 1\b[\s\S]*code|code[\s\S]*line 1\b/i);
      await shots.take(page, 'upload-type-refused');
      await choose(page.locator('[data-test="field-type"][data-field="code"]'), 'TEXT');
      await test('dataset-confirm').click();
      await test('upload-dialog').waitFor({ state: 'hidden' });
      const created = (await t.modules.catalog.datasets.list(t.tenant.id)).find((d) => /^assets$/i.test(d.name));
      assert.ok(created, 'the dataset is named after its file');
      assert.deepEqual(
        created.fields.map((f) => [f.name, f.type]),
        [
          ['code', 'TEXT'],
          ['cost', 'NUMBER'],
          ['note', 'TEXT'],
        ],
      );
      assert.equal(created.rowCount, 20_000);
    },
  );

  it('reloads a bound dataset from a new file', async () => {
    await test('dataset-search').fill(setName(3));
    const row = page.locator(`[data-test="dataset-row"][data-name="${setName(3)}"]`);
    await row.waitFor();
    await page.locator('tr', { has: row }).locator('[data-test="dataset-reload-button"]').click();
    await test('upload-dialog').waitFor();
    await test('dataset-file-input').setInputFiles(t.file('set-3-v2.csv', rows(9)));
    await test('upload-fields').waitFor();
    await shots.take(page, 'reload-fields');
    await test('dataset-confirm').click();
    await test('upload-dialog').waitFor({ state: 'hidden' });
    const ds = await t.modules.catalog.datasets.get(t.tenant.id, ids.get(setName(3))!);
    assert.equal(ds.rowCount, 9);
  });

  it('deletes a dataset after saying which widgets and keys it affects', async () => {
    await test('dataset-search').fill(setName(SETS));
    const row = page.locator(`[data-test="dataset-row"][data-name="${setName(SETS)}"]`);
    await row.waitFor();
    await page.locator('tr', { has: row }).locator('[data-test="dataset-delete-button"]').click();
    await test('dataset-delete-dialog').waitFor();
    assert.match(await test('dataset-delete-widgets').innerText(), /Amount of the last set/);
    assert.match(await test('dataset-delete-keys').innerText(), /Portal/);
    await shots.take(page, 'delete-impact');
    await test('dataset-delete-confirm').click();
    await row.waitFor({ state: 'detached' });
    const left = await t.modules.catalog.datasets.list(t.tenant.id);
    assert.ok(!left.some((d) => d.id === ids.get(setName(SETS))), 'the dataset is gone');
    assert.deepEqual(await t.modules.catalog.widgets.list(t.tenant.id), [], 'its widget went with it');
    assert.deepEqual(
      (await t.modules.access.keys.get(t.tenant.id, keyId)).bindings.datasets,
      [ids.get(setName(3))],
      'the key keeps its other dataset',
    );
    await shots.take(page, 'deleted');
  });

  it('adds and removes an admin on the Users page', async () => {
    await test('nav-users').click();
    await test('user-table').waitFor();
    await test('user-add').click();
    await test('user-add-dialog').waitFor();
    await test('new-user-email').fill('second@example.com');
    await test('new-user-password').fill('short');
    await test('new-user-password').press('Enter');
    await test('user-add-error').waitFor();
    assert.match(await test('user-add-error').innerText(), /8 characters/);
    await test('new-user-password').fill('a long enough password');
    await test('new-user-password').press('Enter');
    await test('user-add-dialog').waitFor({ state: 'hidden' });
    const added = page.locator('[data-test="user-row"][data-email="second@example.com"]');
    await added.waitFor();
    await shots.take(page, 'user-added');
    await page.locator('tr', { has: added }).locator('[data-test="user-delete"]').click();
    await page.locator('.el-message-box .el-button--danger').click();
    await added.waitFor({ state: 'detached' });
    assert.deepEqual(
      (await t.modules.access.users.list(t.tenant.id)).map((u) => u.email),
      [ADMIN.email],
    );
  });

  it('signs out, sends a signed-out visitor to sign in, and back to the page wanted', async () => {
    await test('sign-out').click();
    await page.waitForURL(/\/admin\/sign-in/);
    await page.goto('/admin/datasets');
    await page.waitForURL(/\/admin\/sign-in\?next=(%2F|\/)datasets$/);
    await shots.take(page, 'sign-in-next');
    await test('signin-email').fill(ADMIN.email);
    await test('signin-password').fill(ADMIN.password);
    await test('signin-password').press('Enter');
    await page.waitForURL(/\/admin\/datasets$/);
    // The list as it was left: the datasets page shows its rows again.
    await test('dataset-row').first().waitFor();
    assert.ok((await count('[data-test="dataset-row"]')) > 0);
  });

  it('runs under its Content-Security-Policy, which refused nothing in the walk above', async () => {
    const res = await fetch(`${url}/admin/`);
    const csp = String(res.headers.get('content-security-policy'));
    assert.match(csp, /default-src 'self'/);
    assert.match(csp, /frame-ancestors 'none'/);
    assert.equal(res.headers.get('x-content-type-options'), 'nosniff');
    assert.deepEqual(cspViolations, []);
  });
});
