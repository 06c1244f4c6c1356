// The console's favourites, "My Widgets", the Add Widget dialog's tabs and Filter, and a
// two-dimension chart, in a real browser on this run's backend. Screenshots go to
// test-artifacts/console-favourites/.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { builtConsole } from '../scripts/console-build.mjs';
import { chooseOption, consolePage, launchBrowser, screenshots } from './support/browser.ts';
import { signedInAdmin, type AdminClient } from './support/admin-client.ts';
import { startTestServer, type TestServer } from './support/test-server.ts';

const PASSWORD = 'correct horse battery';
// Tickets over three months in three statuses: a widget by month and status has three series.
const TICKETS = [
  'id,status,opened',
  '1,Closed,2024-01-03',
  '2,Open,2024-01-09',
  '3,Closed,2024-02-11',
  '4,Waiting,2024-02-20',
  '5,Open,2024-03-02',
  '6,Closed,2024-03-15',
].join('\n');

describe(
  'the console: favourites, My Widgets, the widget dialog’s filter, two-dimension charts',
  { timeout: 300_000 },
  () => {
    let t: TestServer;
    let url: string;
    let browser: Browser;
    let context: BrowserContext;
    let page: Page;
    let ann: AdminClient;
    let bob: AdminClient;
    const shots = screenshots('console-favourites');
    const ids: Record<string, string> = {};
    const test = (id: string) => page.locator(`[data-test="${id}"]`);
    async function waitCount(selector: string, n: number): Promise<void> {
      await page.waitForFunction(([s, n]) => document.querySelectorAll(s as string).length === n, [
        selector,
        n,
      ] as const);
    }
    const texts = (selector: string) =>
      page.$$eval(selector, (els) => els.map((e) => (e as HTMLElement).innerText.trim()).sort());
    const stars = async (type: string) =>
      (
        await t.modules.store.db
          .selectFrom('favourites')
          .select('resourceId')
          .where('resourceType', '=', type)
          .execute()
      ).map((r) => r.resourceId);

    before(async () => {
      const consoleDir = await builtConsole({ log: () => {} });
      t = await startTestServer({ DATAGATE_CONSOLE_DIR: consoleDir });
      await t.server.app.listen({ host: '127.0.0.1', port: 0 });
      const addr = t.server.app.server.address();
      assert.ok(addr !== null && typeof addr === 'object');
      url = `http://127.0.0.1:${addr.port}`;
      ann = await signedInAdmin(t, { email: 'ann@example.com', password: PASSWORD });
      bob = await signedInAdmin(t, { email: 'bob@example.com', password: PASSWORD });
      const { catalog, access } = t.modules;
      ids.tickets = (
        await catalog.datasets.importFile(t.tenant.id, { file: t.file('t.csv', TICKETS), name: 'Tickets' })
      ).id;
      ids.devices = (
        await catalog.datasets.importFile(t.tenant.id, {
          file: t.file('d.csv', 'id,os\n1,Windows\n2,macOS\n'),
          name: 'Devices',
        })
      ).id;
      await t.server.refresh();
      ids.annWidget = (
        await ann.ok('POST', '/admin/api/widgets', {
          name: 'Ann status',
          dataset: ids.tickets,
          chart: 'pie',
          dimensions: [{ field: 'status', label: 'Status' }],
          measures: [{ agg: 'count', label: 'Tickets' }],
        })
      ).id;
      ids.bobWidget = (
        await bob.ok('POST', '/admin/api/widgets', {
          name: 'Bob by month',
          dataset: ids.tickets,
          chart: 'bar',
          dimensions: [
            { field: 'opened', label: 'Month', bucket: 'month' },
            { field: 'status', label: 'Status' },
          ],
          measures: [{ agg: 'count', label: 'Tickets' }],
        })
      ).id;
      ids.bobDevices = (
        await bob.ok('POST', '/admin/api/widgets', {
          name: 'Bob devices',
          dataset: ids.devices,
          chart: 'table',
          dimensions: [{ field: 'os', label: 'OS' }],
          measures: [{ agg: 'count', label: 'Devices' }],
        })
      ).id;
      await access.keys.create(t.tenant.id, { name: 'Portal' });
      await t.server.refresh();

      browser = await launchBrowser();
      ({ context, page } = await consolePage(browser, url));
      await page.goto('/admin/sign-in');
      await test('signin-email').fill('ann@example.com');
      await test('signin-password').fill(PASSWORD);
      await test('signin-submit').click();
      await page.waitForURL(/\/admin\/settings\/public-api/);
    });

    after(async () => {
      await context?.close();
      await browser?.close();
      await t?.close();
    });

    it('stars a dataset on the Datasets page and lists only favourites under My Favorites', async () => {
      await page.goto('/admin/datasets');
      await waitCount('[data-test="dataset-row"]', 2);
      const row = page.locator('.el-table__row', { has: page.locator('[data-name="Tickets"]') });
      await row.locator('[data-test="star"]').click();
      await row.locator('[data-test="star"][data-starred="true"]').waitFor();
      assert.deepEqual(await stars('dataset'), [ids.tickets]);
      await test('dataset-scope-starred').click();
      await waitCount('[data-test="dataset-row"]', 1);
      assert.deepEqual(await texts('[data-test="dataset-row"]'), ['Tickets']);
      await shots.take(page, 'datasets-my-favorites');
      // Unstarring in the favourites view takes it off the list, and off the server.
      await row.locator('[data-test="star"]').click();
      await waitCount('[data-test="dataset-row"]', 0);
      assert.deepEqual(await stars('dataset'), []);
      await test('dataset-scope-all').click();
      await waitCount('[data-test="dataset-row"]', 2);
    });

    it('shows owners on the Widgets page and filters My Widgets and My Favorites', async () => {
      await page.goto('/admin/widgets');
      await waitCount('[data-test="widget-row"]', 3);
      assert.deepEqual(await texts('[data-test="widget-owner"]'), [
        'ann@example.com',
        'bob@example.com',
        'bob@example.com',
      ]);
      await test('widget-scope-mine').click();
      await waitCount('[data-test="widget-row"]', 1);
      assert.deepEqual(await texts('[data-test="widget-row"]'), ['Ann status']);
      await shots.take(page, 'widgets-my-widgets');
      await test('widget-scope-all').click();
      await waitCount('[data-test="widget-row"]', 3);
      const row = page.locator('.el-table__row', { has: page.locator('[data-name="Bob devices"]') });
      await row.locator('[data-test="star"]').click();
      await row.locator('[data-test="star"][data-starred="true"]').waitFor();
      await test('widget-scope-starred').click();
      await waitCount('[data-test="widget-row"]', 1);
      assert.deepEqual(await texts('[data-test="widget-row"]'), ['Bob devices']);
      assert.deepEqual(await stars('widget'), [ids.bobDevices]);
    });

    it('stars a dataset in the Add Dataset dialog and lists it under My Favorites there', async () => {
      await page.goto('/admin/settings/public-api');
      await test('tab-dataset').click();
      await test('add-resource').click();
      const items = '[data-test="picker-dialog-dataset"] [data-test="picker-item"]';
      await waitCount(items, 2);
      const card = page.locator(items, { hasText: 'Devices' });
      const details = await card.innerText();
      for (const s of ['Linked Widgets: 1', 'Linked Keys: 0', 'CREATED', 'LAST MODIFIED', 'LAST SYNCED', 'OWNER']) {
        assert.ok(details.includes(s), `the card shows ${s}: ${details}`);
      }
      await test('picker-scope-starred').click();
      await waitCount(items, 0);
      await test('picker-scope-all').click();
      await waitCount(items, 2);
      await card.locator('[data-test="star"]').click();
      await card.locator('[data-test="star"][data-starred="true"]').waitFor();
      assert.equal(await test('picker-selected-count').innerText(), '0', 'starring a card does not tick it');
      await test('picker-scope-starred').click();
      await waitCount(items, 1);
      assert.deepEqual(await texts(`${items} .dg-card__name`), ['Devices']);
      assert.deepEqual(await stars('dataset'), [ids.devices]);
      await shots.take(page, 'picker-dataset-favorites');
      await test('picker-cancel').click();
    });

    it('filters the Add Widget dialog by stars, my widgets and dataset; cards show their details', async () => {
      await page.goto('/admin/settings/public-api');
      await test('tab-widget').click();
      await test('add-resource').click();
      const items = '[data-test="picker-dialog-widget"] [data-test="picker-item"]';
      await waitCount(items, 3);
      const card = page.locator(items, { hasText: 'Bob by month' });
      const details = await card.innerText();
      for (const s of ['Tickets', 'Linked Keys: 0', 'CREATED', 'LAST MODIFIED', 'OWNER', 'bob@example.com']) {
        assert.ok(details.includes(s), `the card shows ${s}: ${details}`);
      }
      await card.locator('[data-test="star"]').click();
      await card.locator('[data-test="star"][data-starred="true"]').waitFor();
      await test('picker-scope-starred').click();
      await waitCount(items, 2);
      assert.deepEqual(await texts(`${items} .dg-card__name`), ['Bob by month', 'Bob devices']);
      await test('picker-scope-mine').click();
      await waitCount(items, 1);
      assert.deepEqual(await texts(`${items} .dg-card__name`), ['Ann status']);
      await shots.take(page, 'picker-my-widgets');
      await test('picker-scope-all').click();
      await waitCount(items, 3);

      await test('picker-filter').click();
      await test('picker-filter-box').waitFor();
      await chooseOption(page, test('picker-filter-dataset'), 'Devices');
      await waitCount(items, 1);
      assert.deepEqual(await texts(`${items} .dg-card__name`), ['Bob devices']);
      assert.match(await test('picker-filter-count').innerText(), /1 Filters/);
      await shots.take(page, 'picker-filter');
      await test('picker-filter-clear').click();
      await waitCount(items, 3);
      // A pick made under a filter is bound like any other.
      await page.locator(items, { hasText: 'Ann status' }).click();
      await test('picker-add-selected').click();
      await test('picker-dialog-widget').waitFor({ state: 'hidden' });
      const key = (await t.modules.access.keys.list(t.tenant.id))[0];
      const bound = await t.modules.store.db
        .selectFrom('bindings')
        .select('resourceId')
        .where('keyId', '=', key.id)
        .execute();
      assert.deepEqual(
        bound.map((b) => b.resourceId),
        [ids.annWidget],
      );
    });

    it('draws a two-dimension bar chart as a series per second-dimension value, side by side or stacked', async () => {
      await page.goto(`/admin/widgets/${ids.bobWidget}`);
      const canvas = page.locator('[data-test="widget-chart"][data-chart="bar"] .canvas');
      await canvas.waitFor();
      // Read from the chart instance: Closed, Open and Waiting, not a bar per month and status.
      await page.waitForFunction(
        () => document.querySelector<HTMLElement>('[data-test="widget-chart"] .canvas')?.dataset.drawnSeries === '3',
      );
      await shots.take(page, 'two-dimension-grouped');
      await test('bar-layout-stacked').click();
      await test('widget-save').click();
      await page.locator('.el-message', { hasText: 'Saved “Bob by month”' }).waitFor();
      const saved = await bob.ok('GET', `/admin/api/widgets/${ids.bobWidget}`);
      assert.equal(saved.spec.stacked, true, 'the layout is saved with the widget');
      assert.equal(saved.owner, 'bob@example.com', 'an edit by another admin keeps the owner');
      await page.goto(`/admin/widgets/${ids.bobWidget}`);
      await test('bar-layout-stacked').locator('input:checked').waitFor({ state: 'attached' });
      await page.waitForFunction(
        () => document.querySelector<HTMLElement>('[data-test="widget-chart"] .canvas')?.dataset.drawnSeries === '3',
      );
      await shots.take(page, 'two-dimension-stacked');
      // Line: one line per status.
      await test('chart-type-line').click();
      await page.waitForFunction(
        () =>
          document.querySelector<HTMLElement>('[data-test="widget-chart"][data-chart="line"] .canvas')?.dataset
            .drawnSeries === '3',
      );
    });

    it('applies a template to a dataset: fitting fields only, a guessed mapping, a preview, a widget', async () => {
      await page.goto('/admin/settings/public-api');
      await test('tab-widget').click();
      await test('add-resource').click();
      await test('picker-scope-templates').click();
      const card = page.locator('[data-test="template-card"][data-template="tickets-by-status-month"]');
      await card.locator('[data-test="template-use"]').click();
      await test('template-apply').waitFor();
      assert.match(await test('template-problem').innerText(), /Choose the dataset/);
      await chooseOption(page, test('template-dataset'), 'Tickets');
      // Guessed from the names: opened is the only DATE field, status a TEXT one.
      await page.waitForFunction(
        () =>
          document.querySelector('[data-test="template-map-date"]')?.textContent?.includes('opened') &&
          document.querySelector('[data-test="template-map-status"]')?.textContent?.includes('status'),
      );
      // The date field offers only fields of a date type; the status field never the date.
      const options = async (key: string) => {
        const select = test(`template-map-${key}`);
        await select.click();
        const list = await select.locator('input').first().getAttribute('aria-controls');
        const names = await page.$$eval(`[id="${list}"] .el-select-dropdown__item > span:first-child`, (els) =>
          els.map((e) => e.textContent?.trim() ?? ''),
        );
        await page.keyboard.press('Escape');
        return names.sort();
      };
      assert.deepEqual(await options('date'), ['opened']);
      assert.deepEqual(await options('status'), ['id', 'status']);
      // The preview: tickets by month, a series per status.
      await page.waitForFunction(
        () =>
          document.querySelector<HTMLElement>('[data-test="template-preview"] [data-test="widget-chart"] .canvas')
            ?.dataset.drawnSeries === '3',
      );
      assert.match(await test('template-preview-total').innerText(), /6 result rows/);
      await shots.take(page, 'template-preview');
      await test('template-name').fill('Tickets per month (template)');
      await test('template-save').click();
      // The new widget is the admin's, listed under My Widgets and ticked for the key.
      const items = '[data-test="picker-dialog-widget"] [data-test="picker-item"]';
      await page.waitForFunction(
        (s) => [...document.querySelectorAll(s)].some((e) => e.textContent?.includes('Tickets per month (template)')),
        items,
      );
      assert.equal(await test('picker-selected-count').innerText(), '1');
      const list = await ann.ok('GET', '/admin/api/widgets?mine=true&sort=name');
      const made = list.items.find((w: { name: string }) => w.name === 'Tickets per month (template)');
      assert.ok(made, JSON.stringify(list.items.map((w: { name: string }) => w.name)));
      assert.equal(made.owner, 'ann@example.com');
      assert.deepEqual(made.spec.dimensions, [
        { field: 'opened', label: 'Month', bucket: 'month' },
        { field: 'status', label: 'Status' },
      ]);
      assert.equal(made.spec.stacked, true);
      await test('picker-cancel').click();
    });

    it('applies a template from the Widgets page', async () => {
      await page.goto('/admin/widgets');
      await test('widget-templates').click();
      await test('template-dialog').waitFor();
      await page
        .locator('[data-test="template-card"][data-template="devices-by-os"] [data-test="template-use"]')
        .click();
      await chooseOption(page, test('template-dataset'), 'Devices');
      await page.waitForFunction(() =>
        document.querySelector('[data-test="template-map-os"]')?.textContent?.includes('os'),
      );
      await page.locator('[data-test="template-preview"] [data-test="widget-chart"][data-chart="pie"]').waitFor();
      await test('template-save').click();
      await test('template-dialog').waitFor({ state: 'hidden' });
      await page.locator('[data-test="widget-row"][data-name="Devices by operating system"]').waitFor();
      const rows = await bob.ok('GET', '/admin/api/widgets?search=operating');
      assert.deepEqual(
        rows.items.map((w: { owner: string; spec: { dimensions: unknown } }) => [w.owner, w.spec.dimensions]),
        [['ann@example.com', [{ field: 'os', label: 'OS' }]]],
      );
    });
  },
);
