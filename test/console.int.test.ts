// The console in a real browser: every flow of the product page, walked by an admin
// in Debian's Chromium against `datagate demo` on a fresh SQLite file, checking each
// step through the public API with the key the admin copied. Screenshots of every
// step go to test-artifacts/console/.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { Browser, BrowserContext, Locator, Page } from 'playwright-core';
import { DEMO_ADMIN } from '../src/cli/serve-commands.ts';
import { chooseOption, consolePage, cspViolations, launchBrowser, screenshots } from './support/browser.ts';
import { serve, type ServeProcess } from './support/processes.ts';

const CONTRACTS_CSV = [
  'contract_no,client,start_date,monthly_value,active',
  '00017,Acme Dental,2024-01-01,1200.50,true',
  '00018,Birch Legal,2024-03-15,800,true',
  '00019,Acme Dental,2024-06-01,450,false',
  '00020,Cobalt Freight,2025-02-01,2300,true',
  '00021,Birch Legal,2025-05-20,640.25,true',
].join('\n');

interface Answer {
  status: number;
  body: any;
}

describe('the console, walked in a browser', { timeout: 240_000 }, () => {
  let dir: string;
  let server: ServeProcess;
  let browser: Browser;
  let context: BrowserContext;
  let page: Page;
  const shots = screenshots('console');
  let secret = '';

  /** Calls the public API as a client would, with the key the admin copied. */
  async function publicGet(urlPath: string, key = secret): Promise<Answer> {
    const res = await fetch(`${server.url}${urlPath}`, { headers: { apikey: key } });
    return { status: res.status, body: await res.json() };
  }

  /** Polls the public API until `check` holds: admin changes reach it within a second. */
  async function until(urlPath: string, check: (a: Answer) => boolean, what: string): Promise<Answer> {
    const start = Date.now();
    let last: Answer = { status: 0, body: null };
    while (Date.now() - start < 1500) {
      last = await publicGet(urlPath);
      if (check(last)) return last;
      await new Promise((r) => setTimeout(r, 50));
    }
    assert.fail(
      `${what}: after 1.5 s ${urlPath} still answers ${last.status} ${JSON.stringify(last.body).slice(0, 200)}`,
    );
  }

  const test = (id: string) => page.locator(`[data-test="${id}"]`);
  /** Opens the key's tab of `type` and its Add dialog; returns the dialog. */
  const openPicker = async (type: 'dataset' | 'widget') => {
    await test(`tab-${type}`).click();
    await test('add-resource').click();
    const dialog = test(`picker-dialog-${type}`);
    await dialog.waitFor();
    return dialog;
  };
  /** Searches the open dialog for `search` and waits until `name` is its only item. */
  const searchPicker = async (search: string, name: string) => {
    await test('picker-search').fill(search);
    await test('picker-search').press('Enter');
    await page.waitForFunction((n) => {
      const items = [...document.querySelectorAll('[data-test="picker-item"]')];
      return items.length === 1 && items[0].textContent!.includes(n);
    }, name);
  };

  /** Picks `text` in an Element Plus select whose trigger is `select`. */
  const choose = (select: Locator, text: string | RegExp) => chooseOption(page, select, text);

  before(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'datagate-console-'));
    fs.writeFileSync(path.join(dir, 'contracts.csv'), CONTRACTS_CSV);
    server = await serve({ DATAGATE_DATA_DIR: dir }, undefined, [
      'demo',
      '--database',
      `sqlite:${path.join(dir, 'demo.db')}`,
      '--port',
      '0',
      '--json',
    ]);
    browser = await launchBrowser();
    ({ context, page } = await consolePage(browser, server.url));
  });

  after(async () => {
    await context?.close();
    await browser?.close();
    await server?.stop();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('signs in and lands on Settings › Public API', async () => {
    await page.goto('/admin/');
    await page.waitForURL(/\/admin\/sign-in/);
    await test('signin-email').fill(DEMO_ADMIN.email);
    await test('signin-password').fill('not the password');
    await test('signin-submit').click();
    await assert.doesNotReject(test('signin-error').waitFor());
    assert.match(await test('signin-error').innerText(), /email or the password is wrong/i);
    await shots.take(page, 'sign-in-refused');
    await test('signin-password').fill(DEMO_ADMIN.password);
    await test('signin-password').press('Enter');
    await page.waitForURL(/\/admin\/settings\/public-api/);
    await test('key-card').waitFor();
    assert.equal(await test('user-email').innerText(), DEMO_ADMIN.email);
    await shots.take(page, 'public-api-page');
  });

  it('adds a key in the Add New Key dialog and copies it', async () => {
    await test('add-key').click();
    await test('add-key-dialog').waitFor();
    await test('key-name').fill('Customer portal');
    await test('key-description').fill('Read-only access for the Acme portal');
    assert.match(await test('add-key-dialog').innerText(), /Custom/);
    await shots.take(page, 'add-new-key-dialog');
    await test('key-save').click();
    await test('add-key-dialog').waitFor({ state: 'hidden' });
    await page.waitForFunction(() =>
      document.querySelector('[data-test="key-select"]')?.textContent?.includes('Customer portal'),
    );
    assert.match(await test('rate-limit').innerText(), /60\/min/);
    const masked = await test('masked-key').innerText();
    assert.match(masked, /^dgk_[0-9a-f]{4}…[0-9a-f]{4}$/);

    await test('key-copy').click();
    await page.locator('.el-message', { hasText: /copied/i }).waitFor();
    secret = await page.evaluate(() => navigator.clipboard.readText());
    assert.match(secret, /^dgk_[0-9a-f]{40}$/);
    assert.ok(
      secret.startsWith(masked.slice(0, 8)) && secret.endsWith(masked.slice(-4)),
      'the copied key is the one shown masked',
    );
    await shots.take(page, 'key-added-and-copied');

    const none = await publicGet('/api/datasets');
    assert.equal(none.status, 200);
    assert.deepEqual(none.body.data, [], 'a new key reads nothing');
  });

  let ticketsId = '';
  let invoicesId = '';

  it('binds two datasets through the dialog with search, Selected and Add Selected', async () => {
    const dialog = await openPicker('dataset');
    await shots.take(page, 'add-dataset-dialog');

    const pick = async (search: string, name: string) => {
      await searchPicker(search, name);
      await test('picker-item').filter({ hasText: name }).click();
    };
    await pick('tick', 'Tickets');
    await pick('invo', 'Invoices');
    await pick('devi', 'Devices');

    await test('picker-selected').click();
    await page.waitForFunction(() => document.querySelectorAll('[data-test="picker-selected-item"]').length === 3);
    await shots.take(page, 'selected-view-three');
    await test('picker-selected-item')
      .filter({ hasText: 'Devices' })
      .locator('[data-test="picker-selected-remove"]')
      .click();
    await page.waitForFunction(() => document.querySelectorAll('[data-test="picker-selected-item"]').length === 2);
    await shots.take(page, 'selected-view-one-removed');
    await test('picker-add-selected').click();
    await dialog.waitFor({ state: 'hidden' });

    await page.waitForFunction(
      () => document.querySelectorAll('[data-test="bound-list-dataset"] [data-test="bound-row"]').length === 2,
    );
    const rows = test('bound-list-dataset').locator('[data-test="bound-row"]');
    ticketsId = (await rows.filter({ hasText: 'Tickets' }).getAttribute('data-id'))!;
    invoicesId = (await rows.filter({ hasText: 'Invoices' }).getAttribute('data-id'))!;
    assert.match(ticketsId, /^\d{19}$/);
    assert.match(
      await rows.filter({ hasText: 'Tickets' }).locator('[data-test="bound-path"]').innerText(),
      new RegExp(`GET\\s*/api/dataset/${ticketsId}|/api/dataset/${ticketsId}`),
    );
    await shots.take(page, 'two-datasets-bound');

    const listed = await until(
      '/api/datasets',
      (a) => a.status === 200 && a.body.data.length === 2,
      'the key reads the two bound datasets',
    );
    assert.deepEqual(listed.body.data.map((d: { name: string }) => d.name).sort(), ['Invoices', 'Tickets']);
  });

  let widgetId = '';

  it('binds a widget through the Widget tab', async () => {
    const dialog = await openPicker('widget');
    await test('picker-item').filter({ hasText: 'Hours by board' }).click();
    await shots.take(page, 'add-widget-dialog');
    await test('picker-add-selected').click();
    await dialog.waitFor({ state: 'hidden' });
    const row = test('bound-list-widget').locator('[data-test="bound-row"]');
    await row.first().waitFor();
    assert.equal(await row.count(), 1);
    widgetId = (await row.getAttribute('data-id'))!;
    await shots.take(page, 'widget-bound');
  });

  it('calls the public API with the copied key and gets rows, also through Try it', async () => {
    const page1 = await until(`/api/dataset/${ticketsId}?current=1&size=3`, (a) => a.status === 200, 'Tickets reads');
    assert.equal(page1.body.code, 0);
    assert.equal(page1.body.data.records.length, 3);
    assert.ok(page1.body.data.total > 3);
    const widget = await until(`/api/widget/${widgetId}`, (a) => a.status === 200, 'the widget reads');
    assert.ok(widget.body.data.length > 0);
    assert.deepEqual(Object.keys(widget.body.data[0]), ['Board', 'Tickets', 'Hours']);

    await test('tab-dataset').click();
    const tickets = test('bound-list-dataset').locator(`[data-test="bound-row"][data-id="${ticketsId}"]`);
    await tickets.locator('[data-test="bound-toggle"]').click();
    await tickets.locator('[data-test="bound-parameters"]').waitFor();
    assert.match(await tickets.locator('[data-test="bound-parameters"]').innerText(), /current[\s\S]*size/);
    assert.match(
      await tickets.locator('[data-test="snippet-curl"]').innerText(),
      new RegExp(`curl -s -f -o '[^']+\\.csv'[\\s\\S]*'${server.url}/api/dataset/${ticketsId}/export\\?format=csv'`),
    );
    // The export: its URL and a curl command that saves the file, per format.
    const exportLinks = tickets.locator('[data-test="export-links"]');
    await exportLinks.locator('[data-test="export-xlsx"]').click();
    const exportUrl = `${server.url}/api/dataset/${ticketsId}/export?format=xlsx`;
    assert.equal(await exportLinks.locator('[data-test="export-url"]').innerText(), `GET ${exportUrl}`);
    const command = await exportLinks.locator('[data-test="export-snippet"]').innerText();
    assert.ok(command.startsWith(`curl -fo '`) && command.includes(`.xlsx' '${exportUrl}'`), command);
    assert.match(command, /-H 'apikey: /);
    const exported = await fetch(exportUrl.replace('xlsx', 'csv'), { headers: { apikey: secret } });
    assert.equal(exported.status, 200);
    assert.match(exported.headers.get('content-disposition')!, /^attachment; filename=".+\.csv"/);
    assert.ok((await exported.text()).split('\r\n').length > 3);
    await shots.take(page, 'export-links');
    await tickets.locator('[data-test="try-param-status"]').fill('Closed');
    // The snippets carry the filters entered in "Try it".
    assert.match(await tickets.locator('[data-test="snippet-curl"]').innerText(), /format=csv&status=Closed'/);
    await tickets.locator('[data-test="try-send"]').click();
    await tickets.locator('[data-test="try-status"]').waitFor();
    assert.match(await tickets.locator('[data-test="try-status"]').innerText(), /200/);
    assert.match(await tickets.locator('[data-test="try-response"]').innerText(), /"status": "Closed"/);
    await shots.take(page, 'try-it');
    // The page's top, the Tickets endpoint open below the key.
    await page.evaluate(() => document.querySelectorAll('*').forEach((e) => e.scrollTop > 0 && e.scrollTo(0, 0)));
    await shots.take(page, 'public-api-page-view', { view: true });
  });

  it('deletes a binding with Confirm, and the API refuses that dataset', async () => {
    const invoices = test('bound-list-dataset').locator(`[data-test="bound-row"][data-id="${invoicesId}"]`);
    await invoices.locator('[data-test="bound-delete"]').click();
    const confirm = page.locator('.el-popconfirm:visible button', { hasText: 'Confirm' });
    await confirm.waitFor();
    await shots.take(page, 'delete-binding-confirm');
    await confirm.click();
    await invoices.waitFor({ state: 'detached' });
    const refused = await until(
      `/api/dataset/${invoicesId}`,
      (a) => a.status === 403,
      'the unbound dataset is refused',
    );
    assert.deepEqual(refused.body, { code: 500, msg: 'The resourceId is invalid.', data: [] });
    assert.equal((await publicGet(`/api/dataset/${ticketsId}`)).status, 200, 'the other binding stays');
    await shots.take(page, 'binding-deleted');
  });

  it('switches the Public API off (403) and on again (200)', async () => {
    await test('public-api-switch').click();
    const off = page.locator('.dg-confirm-disable .el-button--danger');
    await off.waitFor();
    await shots.take(page, 'switch-off-confirm');
    await off.click();
    await test('public-api-off').waitFor();
    const refused = await until(`/api/dataset/${ticketsId}`, (a) => a.status === 403, 'the switch turns the API off');
    assert.deepEqual(refused.body, { code: 403, msg: 'The Public API is disabled for this account.', data: [] });
    await shots.take(page, 'switch-off');
    await test('public-api-switch').click();
    await test('public-api-off').waitFor({ state: 'hidden' });
    await until(`/api/dataset/${ticketsId}`, (a) => a.status === 200, 'the switch turns the API on again');
  });

  let contractsId = '';

  it('uploads a CSV, edits an inferred type, loads it and binds it to the key', async () => {
    await test('nav-datasets').click();
    await test('dataset-table').waitFor();
    await test('dataset-upload').click();
    await test('upload-dialog').waitFor();
    await test('dataset-file-input').setInputFiles(path.join(dir, 'contracts.csv'));
    await test('upload-fields').waitFor();
    const typeOf = (field: string) => test('field-type').and(page.locator(`[data-field="${field}"]`));
    // Leading zeros make the importer keep contract numbers as text; the admin wants numbers.
    assert.match(await typeOf('contract_no').innerText(), /TEXT/);
    assert.match(await typeOf('start_date').innerText(), /DATE/);
    assert.match(await typeOf('monthly_value').innerText(), /NUMBER/);
    await choose(typeOf('contract_no'), 'NUMBER');
    assert.match(await typeOf('contract_no').innerText(), /NUMBER/);
    await test('dataset-name-input').fill('Contracts');
    await shots.take(page, 'upload-inferred-types');
    await test('dataset-confirm').click();
    await test('upload-dialog').waitFor({ state: 'hidden' });
    const row = test('dataset-row').and(page.locator('[data-name="Contracts"]'));
    await row.waitFor();
    contractsId = (await row.getAttribute('data-id'))!;
    await shots.take(page, 'dataset-loaded');

    await test('nav-public-api').click();
    await test('key-card').waitFor();
    await choose(test('key-select'), 'Customer portal');
    await openPicker('dataset');
    await searchPicker('Contracts', 'Contracts');
    await test('picker-item').click();
    await test('picker-add-selected').click();
    await test('picker-dialog-dataset').waitFor({ state: 'hidden' });
    await test('bound-list-dataset').locator(`[data-test="bound-row"][data-id="${contractsId}"]`).waitFor();
    const rows = await until(
      `/api/dataset/${contractsId}?_sort=contract_no`,
      (a) => a.status === 200,
      'the uploaded dataset reads',
    );
    assert.equal(rows.body.data.total, 5);
    assert.equal(
      rows.body.data.records[0].contract_no,
      17,
      'the type chosen in the console (NUMBER) is the one loaded',
    );
    assert.equal(rows.body.data.records[0].start_date, '2024-01-01');
    await shots.take(page, 'uploaded-dataset-bound');
  });

  it('builds a widget and shows its chart', async () => {
    await test('nav-widgets').click();
    await test('widget-new').click();
    await test('widget-name').fill('Contract value by client');
    await choose(test('widget-dataset'), 'Contracts');
    await test('widget-add-dimension').click();
    await choose(test('widget-dimension').first().locator('[data-test="widget-dimension-field"]'), 'client');
    await test('widget-add-measure').click();
    const measure = test('widget-measure').nth(1);
    await choose(measure.locator('[data-test="widget-measure-agg"]'), /^Sum$/);
    await choose(measure.locator('[data-test="widget-measure-field"]'), 'monthly_value');
    await test('chart-type-bar').click();
    await page.waitForFunction(
      () => document.querySelector('[data-test="widget-chart"][data-chart="bar"] canvas') !== null,
    );
    await page.waitForFunction(() =>
      /3 result rows/.test(document.querySelector('[data-test="widget-preview-total"]')?.textContent ?? ''),
    );
    // The preview follows the spec 400 ms after its last change: wait for the sum of
    // monthly_value (the Table tab's table is in the page while the chart shows).
    await page.waitForFunction(() =>
      [...document.querySelectorAll('[data-test="widget-table"]')].some((e) =>
        e.textContent!.includes('Sum of monthly_value'),
      ),
    );
    assert.equal(
      await test('widget-chart').getAttribute('data-axes'),
      '2',
      'a count (1–2) and sums (to 2300) get an axis each',
    );
    await shots.take(page, 'widget-builder-chart');
    await test('view-table').click();
    await test('widget-table').waitFor();
    const table = await test('widget-table').innerText();
    assert.match(table, /Acme Dental/);
    assert.match(table, /1650\.5/, 'Acme Dental: 1200.50 + 450');
    await shots.take(page, 'widget-builder-table');
    await test('widget-save').click();
    await page.waitForURL(/\/admin\/widgets$/);
    await test('widget-row').and(page.locator('[data-name="Contract value by client"]')).waitFor();
    await shots.take(page, 'widget-saved');
  });

  it("shows the key's requests of the last 24 hours on the Usage page", async () => {
    await test('nav-usage').click();
    await test('usage-chart').waitFor();
    await test('usage-status').first().waitFor();
    const statuses = await test('usage-status').evaluateAll((els) => els.map((e) => e.getAttribute('data-status')));
    assert.ok(
      statuses.includes('200') && statuses.includes('403'),
      `the Usage page counts the 200s and 403s of the walk (has ${statuses.join(', ')})`,
    );
    await shots.take(page, 'usage');
  });

  it('removes the key after a confirmation, and the API answers 401', async () => {
    await test('nav-public-api').click();
    await test('key-card').waitFor();
    await choose(test('key-select'), 'Customer portal');
    await test('remove-key').click();
    const box = page.locator('.dg-confirm-remove-key');
    await box.waitFor();
    assert.match(await box.innerText(), /lose access/);
    await shots.take(page, 'remove-key-confirm');
    await box.locator('.el-button--danger').click();
    const refused = await until(`/api/dataset/${ticketsId}`, (a) => a.status === 401, 'the removed key is refused');
    assert.deepEqual(refused.body, { message: 'Invalid API key in request' });
    await shots.take(page, 'key-removed');
  });

  it('keeps the removed key\'s requests on the Usage page, its name marked "(removed)"', async () => {
    await test('nav-usage').click();
    await test('usage-keys').waitFor();
    const row = test('usage-keys').locator('tr', { hasText: 'Customer portal' });
    await row.first().waitFor();
    assert.match(await row.first().innerText(), /Customer portal \(removed\)/);
    const statuses = await test('usage-status').evaluateAll((els) => els.map((e) => e.getAttribute('data-status')));
    assert.ok(
      statuses.includes('200') && statuses.includes('403'),
      `the removed key's requests still count (has ${statuses.join(', ')})`,
    );
  });

  it('lists every change of the walk in the audit log', async () => {
    await test('nav-audit').click();
    // The newest entry first: the removal just made. The table shows before its rows load.
    await test('audit-row').first().waitFor();
    assert.equal(await test('audit-row').first().getAttribute('data-action'), 'key.delete');
    const actions = await test('audit-row').evaluateAll((els) => els.map((e) => e.getAttribute('data-action')));
    for (const a of [
      'user.signin',
      'key.create',
      'key.bind',
      'key.unbind',
      'publicApi.disable',
      'publicApi.enable',
      'dataset.create',
      'widget.create',
      'key.delete',
    ]) {
      assert.ok(actions.includes(a), `the audit log shows ${a} (has ${actions.join(', ')})`);
    }
    assert.ok(!(await test('audit-table').innerText()).includes(secret), 'no key secret in the audit log');
    await shots.take(page, 'audit-log');
  });

  it('runs under its Content-Security-Policy, which refused nothing in the walk above', async () => {
    const res = await fetch(`${server.url}/admin/`);
    const csp = String(res.headers.get('content-security-policy'));
    assert.match(csp, /default-src 'self'/);
    assert.match(csp, /frame-ancestors 'none'/);
    assert.equal(res.headers.get('x-content-type-options'), 'nosniff');
    assert.deepEqual(cspViolations, []);
  });
});
