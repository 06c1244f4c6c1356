// The console's live datasets, in a real browser on this run's backend: connect an HTTP
// CSV source through the dialog (Test shows the types, Connect creates it), see Last
// synced, make the source fail, Sync now, see the error beside it and in History, and
// the previous rows still answered by the public API. Screenshots go to
// test-artifacts/console-sources/.
import assert from 'node:assert/strict';
import http from 'node:http';
import { after, before, describe, it } from 'node:test';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { builtConsole } from '../scripts/console-build.mjs';
import { chooseOption, consolePage, launchBrowser, screenshots } from './support/browser.ts';
import { signedInAdmin } from './support/admin-client.ts';
import { boundKey } from './support/fixtures.ts';
import { startTestServer, type TestServer } from './support/test-server.ts';

const PASSWORD = 'correct horse battery';
const TOKEN = 'tok-Console-77120';
/** Requests to /secure.csv and whether they carried the token. */
const secure = { hits: 0, authorised: 0 };
/** What the fixture serves at /tickets.csv: tests turn it into a failure. */
const served = {
  status: 200,
  body: 'id,summary,opened,urgent\n1,Printer offline,2023-02-01,true\n2,VPN down,,false\n',
};
/** A file and a source that write dates as DD.MM.YYYY. */
const EU_CSV = 'id,opened,closed_at\n1,10.02.2023,10.02.2023 08:50\n2,29.02.2024,\n';

describe('the console: connecting a live dataset, its sync and history', { timeout: 300_000 }, () => {
  let t: TestServer;
  let url: string;
  let base: string;
  let fixture: http.Server;
  let browser: Browser;
  let context: BrowserContext;
  let page: Page;
  const shots = screenshots('console-sources');
  const test = (id: string) => page.locator(`[data-test="${id}"]`);

  before(async () => {
    fixture = http.createServer((req, res) => {
      if (req.url === '/secure.csv') {
        secure.hits++;
        if (req.headers.authorization !== `Bearer ${TOKEN}`) {
          res.statusCode = 401;
          return res.end();
        }
        secure.authorised++;
        res.setHeader('content-type', 'text/csv');
        return res.end('id,summary,team\n1,Printer offline,desk\n2,VPN down,net\n3,Disk full,ops\n');
      }
      if (req.url === '/eu.csv') return res.end(EU_CSV);
      if (req.url !== '/tickets.csv') {
        res.statusCode = 404;
        return res.end();
      }
      res.statusCode = served.status;
      res.setHeader('content-type', 'text/csv');
      res.end(served.body);
    });
    await new Promise<void>((r) => fixture.listen(0, '127.0.0.1', r));
    base = `http://127.0.0.1:${(fixture.address() as { port: number }).port}`;

    const consoleDir = await builtConsole({ log: () => {} });
    t = await startTestServer({ DATAGATE_CONSOLE_DIR: consoleDir });
    await t.server.app.listen({ host: '127.0.0.1', port: 0 });
    const addr = t.server.app.server.address();
    assert.ok(addr !== null && typeof addr === 'object');
    url = `http://127.0.0.1:${addr.port}`;
    await signedInAdmin(t, { email: 'ann@example.com', password: PASSWORD });

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
    await new Promise((r) => fixture?.close(r));
  });

  it('connects an HTTP CSV source: Test shows the types, Connect creates the dataset', async () => {
    await page.goto('/admin/datasets');
    await test('dataset-connect').click();
    await test('connect-dialog').waitFor();
    await test('connect-url').fill(`${base}/tickets.csv`);
    await test('connect-test').click();
    await test('connect-test-fields').waitFor();
    await page.locator('[data-test="connect-test-field"][data-field="urgent"]').waitFor();
    const types = await page.$$eval('[data-test="connect-test-field"]', (els) =>
      els.map((e) => `${e.getAttribute('data-field')}:${e.getAttribute('data-type')}`),
    );
    assert.deepEqual(types, ['id:NUMBER', 'summary:TEXT', 'opened:DATE', 'urgent:BOOLEAN']);
    // Testing stored nothing.
    assert.equal((await t.modules.catalog.datasets.list(t.tenant.id)).length, 0);
    await test('connect-schedule').fill('0 3 * * *');
    await test('connect-name').fill('Live tickets');
    await shots.take(page, 'connect-tested');
    await test('connect-save').click();
    await test('connect-dialog').waitFor({ state: 'hidden' });
    await page.locator('[data-test="dataset-row"][data-name="Live tickets"]').waitFor();
    const row = page.locator('tr', { has: page.locator('[data-name="Live tickets"]') });
    await row.locator('[data-test="dataset-last-synced"]').waitFor();
    assert.match(await row.locator('[data-test="dataset-last-synced"]').innerText(), /Synced/);
    assert.equal(await row.locator('[data-test="dataset-sync-error"]').count(), 0);
    const [ds] = await t.modules.catalog.datasets.list(t.tenant.id);
    assert.equal(ds.rowCount, 2);
    await shots.take(page, 'connected');
  });

  it('a failing source: Sync now shows the error beside Last synced and in History; the rows stay', async () => {
    served.status = 500;
    served.body = 'boom';
    const row = page.locator('tr', { has: page.locator('[data-name="Live tickets"]') });
    await row.locator('[data-test="dataset-sync-button"]').click();
    await row.locator('[data-test="dataset-sync-error"]').waitFor();
    assert.match((await row.locator('[data-test="dataset-sync-error"]').getAttribute('data-error'))!, /HTTP 500/);
    await row.locator('[data-test="dataset-last-synced"]').waitFor();
    await shots.take(page, 'sync-failed');

    await row.locator('[data-test="dataset-history-button"]').click();
    await test('history-drawer').waitFor();
    await page.locator('[data-test="history-run"][data-result="failed"]').waitFor();
    assert.match(await test('history-run-error').first().innerText(), /HTTP 500/);
    assert.equal(await page.locator('[data-test="history-run"][data-result="ok"]').count(), 1);
    assert.equal(await test('history-source-url').innerText(), `${base}/tickets.csv`);
    await shots.take(page, 'history');

    const [ds] = await t.modules.catalog.datasets.list(t.tenant.id);
    const k = await boundKey(t, { name: 'reader', datasets: [ds.id] });
    await t.server.refresh();
    const res = await t.server.app.inject({ method: 'GET', url: `/api/dataset/${ds.id}`, headers: { apikey: k.key } });
    assert.equal(res.statusCode, 200, res.body);
    const records = JSON.parse(res.body).data.records as { summary: string }[];
    assert.deepEqual(
      records.map((r) => r.summary),
      ['Printer offline', 'VPN down'],
    );
  });

  it('Edit source: prefilled, a header added then kept masked; Test, Save and sync use the stored token', async () => {
    const dialog = page.locator('[data-test="source-edit-dialog"]');
    const inDialog = (id: string) => dialog.locator(`[data-test="${id}"]`);
    // From the history drawer, still open on the failing dataset.
    await test('history-edit-source').click();
    await dialog.waitFor();
    await page.waitForFunction(() => {
      const input = document.querySelector('[data-test="source-edit-dialog"] [data-test="connect-url"]');
      return input instanceof HTMLInputElement && input.value !== '';
    });
    assert.equal(await inDialog('connect-url').inputValue(), `${base}/tickets.csv`);
    assert.equal(await inDialog('connect-schedule').inputValue(), '0 3 * * *');
    assert.equal(await inDialog('connect-name').count(), 0, 'name and group are edited elsewhere');
    await inDialog('connect-url').fill(`${base}/secure.csv`);
    await inDialog('connect-add-header').click();
    await inDialog('connect-header-key').fill('Authorization');
    await inDialog('connect-header-value').fill(`Bearer ${TOKEN}`);
    await shots.take(page, 'edit-source');
    await inDialog('source-save').click();
    await dialog.waitFor({ state: 'hidden' });
    // The drawer shows the new source, its token masked; the rows are untouched until a sync.
    await page.locator('[data-test="history-source-url"]', { hasText: '/secure.csv' }).waitFor();
    assert.match(await test('history-source').innerText(), /Authorization: Bearer \*\*\*\*/);
    assert.ok(!(await page.content()).includes(TOKEN), 'the page shows the token');
    assert.equal(secure.hits, 0);

    // Again from the row: the header comes back masked; Test and the sync use the stored token.
    await page.keyboard.press('Escape');
    await test('history-drawer').waitFor({ state: 'hidden' });
    const row = page.locator('tr', { has: page.locator('[data-name="Live tickets"]') });
    await row.locator('[data-test="dataset-source-button"]').click();
    await dialog.waitFor();
    await page.waitForFunction(() => {
      const input = document.querySelector('[data-test="source-edit-dialog"] [data-test="connect-header-value"]');
      return input instanceof HTMLInputElement && input.value !== '';
    });
    assert.equal(await inDialog('connect-header-value').inputValue(), 'Bearer ****');
    await inDialog('connect-test').click();
    await dialog.locator('[data-test="connect-test-field"][data-field="team"]').waitFor();
    assert.equal(secure.authorised, 1, 'Test sent the stored token');
    await inDialog('connect-schedule').fill('*/30 * * * *');
    await shots.take(page, 'edit-source-tested');
    await inDialog('source-save-sync').click();
    await dialog.waitFor({ state: 'hidden' });
    await row.locator('[data-test="dataset-sync-error"]').waitFor({ state: 'detached' });
    assert.equal(secure.authorised, 2, 'the sync sent the stored token');
    const [ds] = await t.modules.catalog.datasets.list(t.tenant.id);
    assert.equal(ds.rowCount, 3);
    const src = (await t.modules.sources.sync.source(t.tenant.id, ds.id))!;
    assert.equal(src.schedule, '*/30 * * * *');
    assert.deepEqual(src.headers, { Authorization: 'Bearer ****' });
    await shots.take(page, 'edit-source-synced');

    // A schedule the server refuses: the dialog stays, with the server's message.
    await row.locator('[data-test="dataset-source-button"]').click();
    await dialog.waitFor();
    await inDialog('connect-schedule').fill('* * * * * *');
    await inDialog('source-save').click();
    await inDialog('connect-error').waitFor();
    assert.match(await inDialog('connect-error').innerText(), /schedule: .*at most once a minute/);
    await inDialog('connect-cancel').click();
    await dialog.waitFor({ state: 'hidden' });
    assert.equal((await t.modules.sources.sync.source(t.tenant.id, ds.id))!.schedule, '*/30 * * * *');
  });

  it('reads dates in a chosen format: the Date format field of the upload and the connect dialogs', async () => {
    await page.goto('/admin/datasets');
    await test('dataset-upload').click();
    await test('upload-dialog').waitFor();
    await chooseOption(page, test('upload-date-format'), 'DD.MM.YYYY');
    await test('dataset-file-input').setInputFiles(t.file('eu-upload.csv', EU_CSV));
    await test('upload-fields').waitFor();
    const typeOf = (field: string) => test('field-type').and(page.locator(`[data-field="${field}"]`));
    assert.match(await typeOf('opened').innerText(), /^DATE$/);
    assert.match(await typeOf('closed_at').innerText(), /DATETIME/);
    await test('dataset-name-input').fill('EU upload');
    await shots.take(page, 'upload-date-format');
    await test('dataset-confirm').click();
    await test('upload-dialog').waitFor({ state: 'hidden' });
    const uploaded = (await t.modules.catalog.datasets.list(t.tenant.id)).find((d) => d.name === 'EU upload');
    assert.deepEqual(
      uploaded?.fields.map((f) => f.type),
      ['NUMBER', 'DATE', 'DATETIME'],
    );

    await test('dataset-connect').click();
    await test('connect-dialog').waitFor();
    await test('connect-url').fill(`${base}/eu.csv`);
    await chooseOption(page, test('connect-date-format'), 'DD.MM.YYYY');
    await test('connect-test').click();
    await page.locator('[data-test="connect-test-field"][data-field="closed_at"]').waitFor();
    const types = await page.$$eval('[data-test="connect-test-field"]', (els) =>
      els.map((e) => `${e.getAttribute('data-field')}:${e.getAttribute('data-type')}`),
    );
    assert.deepEqual(types, ['id:NUMBER', 'opened:DATE', 'closed_at:DATETIME']);
    await test('connect-name').fill('EU source');
    await shots.take(page, 'connect-date-format');
    await test('connect-save').click();
    await test('connect-dialog').waitFor({ state: 'hidden' });
    const live = (await t.modules.catalog.datasets.list(t.tenant.id)).find((d) => d.name === 'EU source');
    assert.ok(live);
    assert.equal((await t.modules.sources.sync.source(t.tenant.id, live.id))?.dateFormat, 'DD.MM.YYYY');
  });
});
