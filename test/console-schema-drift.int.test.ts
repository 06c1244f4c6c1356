import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { builtConsole } from '../scripts/console-build.mjs';
import { consolePage, launchBrowser, screenshots } from './support/browser.ts';
import { startTestServer, type TestServer } from './support/test-server.ts';

const ADMIN = { email: 'owner@example.com', password: 'first admin pass' };

describe('the console: a reload that breaks widgets, scopes and fields clients use', { timeout: 300_000 }, () => {
  let t: TestServer;
  let browser: Browser;
  let context: BrowserContext;
  let page: Page;
  let dsId = '';
  let partnerId = '';
  let widgetId = '';
  const shots = screenshots('console-schema-drift');
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'datagate-drift-files-'));
  const test = (id: string) => page.locator(`[data-test="${id}"]`);

  before(async () => {
    const consoleDir = await builtConsole({ log: () => {} });
    t = await startTestServer({ DATAGATE_CONSOLE_DIR: consoleDir });
    await t.server.app.listen({ host: '127.0.0.1', port: 0 });
    const addr = t.server.app.server.address();
    assert.ok(addr !== null && typeof addr === 'object');
    const url = `http://127.0.0.1:${addr.port}`;
    const { catalog, access } = t.modules;
    const file = t.file('t.csv', 'board,status,hours\nDesk,open,1\nProjects,closed,2\n');
    dsId = (await catalog.datasets.importFile(t.tenant.id, { file, name: 'Tickets' })).id;
    widgetId = (
      await catalog.widgets.create(t.tenant.id, {
        name: 'By status',
        dataset: dsId,
        chart: 'table',
        dimensions: [{ field: 'status', label: 'Status' }],
      })
    ).id;
    const key = await access.keys.create(t.tenant.id, { name: 'Partner' });
    await access.keys.bind(t.tenant.id, key.id, 'dataset', dsId, 'status[eq]=open');
    await access.keys.bind(t.tenant.id, key.id, 'widget', widgetId);
    partnerId = key.id;
    const reader = await access.keys.create(t.tenant.id, { name: 'Reader' });
    await access.keys.bind(t.tenant.id, reader.id, 'dataset', dsId);
    await access.users.create(t.tenant.id, ADMIN);
    await t.server.refresh();
    // A client of "Reader" filters on status (and sorts on a field the reload keeps).
    const read = await t.server.app.inject({
      method: 'GET',
      url: `/api/dataset/${dsId}?status=closed&_sort=hours`,
      headers: { apikey: reader.key },
    });
    assert.equal(read.statusCode, 200, read.body);
    fs.writeFileSync(path.join(dir, 'renamed.csv'), 'board,state,hours\nDesk,open,1\nProjects,closed,2\n');

    browser = await launchBrowser();
    ({ context, page } = await consolePage(browser, url));
    await page.goto('/admin/sign-in');
    await test('signin-email').fill(ADMIN.email);
    await test('signin-password').fill(ADMIN.password);
    await test('signin-submit').click();
    await page.waitForURL(/\/admin\/settings\/public-api/);
  });

  after(async () => {
    await context?.close();
    await browser?.close();
    await t?.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('the reload dialog lists what breaks and loads only after an explicit confirm', async () => {
    await test('nav-datasets').click();
    await test('dataset-table').waitFor();
    await test('dataset-reload-button').first().click();
    await test('upload-dialog').waitFor();
    await test('dataset-file-input').setInputFiles(path.join(dir, 'renamed.csv'));
    await test('reload-breaks').waitFor();
    const items = await test('reload-break').allInnerTexts();
    assert.equal(items.length, 3, items.join('\n'));
    assert.match(items[0], /Widget “By status”.*"status"/);
    assert.match(items[1], /Scope of key “Partner” on “Tickets”.*status/);
    assert.match(items[2], /Key “Reader” on “Tickets”: its clients filtered on field "status" \(last at 20/);
    assert.match(
      (await test('reload-breaks').innerText()) ?? '',
      /2 widget\(s\) or key scope\(s\).*; and 1 field\(s\) that keys' clients used in the last day/,
    );
    await shots.take(page, 'reload-breaks');
    assert.equal(await test('dataset-confirm').isDisabled(), true, 'no reload before the confirm');
    await page.keyboard.press('Enter');
    assert.equal((await t.modules.catalog.datasets.get(t.tenant.id, dsId)).version, 1, 'Enter does not reload either');

    await test('reload-accept-breaks').click();
    await test('dataset-confirm').click();
    await test('upload-dialog').waitFor({ state: 'hidden' });
    assert.equal((await t.modules.catalog.datasets.get(t.tenant.id, dsId)).version, 2);
  });

  it('the Widgets page marks the widget whose spec no longer fits', async () => {
    await test('nav-widgets').click();
    const mark = page.locator(`tr:has([data-test="widget-row"][data-id="${widgetId}"]) [data-test="widget-broken"]`);
    await mark.waitFor();
    assert.match((await mark.getAttribute('data-reason')) ?? '', /"status"/);
    await shots.take(page, 'widget-broken');
  });

  it('the Public API page marks the bound widget and the scope that the reload broke', async () => {
    await page.goto(`/admin/settings/public-api?key=${partnerId}`);
    await test('masked-key').waitFor();
    const dataset = page.locator(`[data-test="bound-row"][data-kind="dataset"][data-id="${dsId}"]`);
    await dataset.locator('[data-test="scope-broken"]').waitFor();
    assert.equal(await dataset.locator('[data-test="bound-broken"]').count(), 0, 'a dataset has no widget mark');
    await test('tab-widget').click();
    const widget = page.locator(`[data-test="bound-row"][data-kind="widget"][data-id="${widgetId}"]`);
    const mark = widget.locator('[data-test="bound-broken"]');
    await mark.waitFor();
    assert.match((await mark.getAttribute('data-reason')) ?? '', /"status"/);
    assert.match((await widget.getAttribute('class')) ?? '', /is-broken/);
    await shots.take(page, 'bound-widget-broken');
  });
});
