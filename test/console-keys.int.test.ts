// The key lifecycle and row scopes in the console, in a real browser on this run's backend
// (SQLite, then PostgreSQL + Redis): a binding's scope edited beside it (the server's
// message for a bad one, scoped rows through the public API, a scope a reload broke),
// an expiry set at creation and in Edit, Rotate with both secrets' validity, Disable and
// Enable as clients see them, the warning badge, and the Usage page over a chosen range
// with its CSV download. Screenshots of each step go to test-artifacts/console-keys/.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import { after, before, describe, it } from 'node:test';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { builtConsole } from '../scripts/console-build.mjs';
import { chooseOption, consolePage, launchBrowser, screenshots } from './support/browser.ts';
import { startTestServer, type TestServer } from './support/test-server.ts';

const ADMIN = { email: 'keys@example.com', password: 'key lifecycle pass' };
const DAY = 86_400_000;
const TICKETS = ['id,company,status', '1,Acme,Open', '2,Acme Corp,Open', '3,Birch,Closed', '4,Acme,Closed'].join('\n');

describe('the console: row scopes, the key lifecycle and usage over a range', { timeout: 300_000 }, () => {
  let t: TestServer;
  let url: string;
  let browser: Browser;
  let context: BrowserContext;
  let page: Page;
  const shots = screenshots('console-keys');
  let ticketsId = '';
  let contactsId = '';
  let portal = { id: '', key: '' };

  const test = (id: string) => page.locator(`[data-test="${id}"]`);
  const publicGet = async (p: string, key: string) => {
    const res = await fetch(`${url}${p}`, { headers: { apikey: key } });
    return { status: res.status, body: (await res.json()) as any };
  };
  /** Polls the public API until `check` holds: admin changes reach it within a second. */
  async function until(p: string, key: string, check: (a: { status: number; body: any }) => boolean, what: string) {
    const start = Date.now();
    let last = { status: 0, body: null as any };
    while (Date.now() - start < 3000) {
      last = await publicGet(p, key);
      if (check(last)) return last;
      await new Promise((r) => setTimeout(r, 50));
    }
    assert.fail(`${what}: ${p} still answers ${last.status} ${JSON.stringify(last.body).slice(0, 200)}`);
  }
  /** Waits until the element's text matches; a timeout says what the text was. */
  async function textMatches(id: string, re: RegExp) {
    try {
      await page.waitForFunction(
        ([id, src, flags]) =>
          new RegExp(src, flags).test(document.querySelector(`[data-test="${id}"]`)?.textContent ?? ''),
        [id, re.source, re.flags] as const,
      );
    } catch (err) {
      const text = await page
        .locator(`[data-test="${id}"]`)
        .first()
        .textContent()
        .catch(() => null);
      throw new Error(`${id} does not match ${re}: ${JSON.stringify(text)}`, { cause: err });
    }
  }
  const openKey = async (id: string) => {
    await page.goto(`/admin/settings/public-api?key=${id}`);
    await test('masked-key').waitFor();
  };
  const row = (kind: string, id: string) =>
    page.locator(`[data-test="bound-row"][data-kind="${kind}"][data-id="${id}"]`);

  before(async () => {
    const consoleDir = await builtConsole({ log: () => {} });
    t = await startTestServer({ DATAGATE_CONSOLE_DIR: consoleDir });
    await t.server.app.listen({ host: '127.0.0.1', port: 0 });
    const addr = t.server.app.server.address();
    assert.ok(addr !== null && typeof addr === 'object');
    url = `http://127.0.0.1:${addr.port}`;
    const { catalog, access } = t.modules;
    ticketsId = (await catalog.datasets.importFile(t.tenant.id, { file: t.file('t.csv', TICKETS), name: 'Tickets' }))
      .id;
    contactsId = (
      await catalog.datasets.importFile(t.tenant.id, {
        file: t.file('c.csv', 'name,company\nAnn,Acme\nBob,Birch\n'),
        name: 'Contacts',
      })
    ).id;
    portal = await access.keys.create(t.tenant.id, { name: 'Acme portal' });
    await access.keys.bind(t.tenant.id, portal.id, 'dataset', ticketsId);
    await access.keys.bind(t.tenant.id, portal.id, 'dataset', contactsId, 'company[eq]=Acme');
    await access.users.create(t.tenant.id, ADMIN);
    await t.server.refresh();

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
  });

  it("edits a binding's row scope beside it: the server's message for a bad one, scoped rows for a good", async () => {
    await openKey(portal.id);
    const tickets = row('dataset', ticketsId);
    await tickets.locator('[data-test="scope-text"]').getByText('Every row').waitFor();
    await tickets.locator('[data-test="scope-edit"]').click();
    const input = tickets.locator('[data-test="scope-input"]');
    await input.fill('nope[eq]=Acme');
    await input.press('Enter');
    const error = tickets.locator('[data-test="scope-error"]');
    await error.waitFor();
    assert.match(await error.innerText(), /Unknown field "nope"/);
    await shots.take(page, 'scope-refused');
    assert.equal((await t.modules.access.keys.get(t.tenant.id, portal.id)).scopes[0].where, '', 'nothing saved');

    await input.fill('company[eq]=Acme');
    await tickets.locator('[data-test="scope-save"]').click();
    await tickets.locator('[data-test="scope-text"]').getByText('company[eq]=Acme').waitFor();
    await shots.take(page, 'scope-saved');
    const scoped = await until(
      `/api/dataset/${ticketsId}?size=100`,
      portal.key,
      (a) => a.status === 200 && a.body.data.total === 2,
      'the scope applies',
    );
    assert.deepEqual(
      scoped.body.data.records.map((r: { id: number; company: string }) => [r.id, r.company]),
      [
        [1, 'Acme'],
        [4, 'Acme'],
      ],
    );
    // A client's own filter can't widen it.
    const widened = await publicGet(`/api/dataset/${ticketsId}?company=Birch`, portal.key);
    assert.equal(widened.body.data.total, 0);

    // Removing the scope: every row again.
    await tickets.locator('[data-test="scope-clear"]').click();
    await tickets.locator('[data-test="scope-text"]').getByText('Every row').waitFor();
    await until(`/api/dataset/${ticketsId}`, portal.key, (a) => a.body.data?.total === 4, 'the scope is gone');
  });

  it('marks a scope that a reload broke, and the mark goes once the scope is fixed', async () => {
    assert.equal((await publicGet(`/api/dataset/${contactsId}`, portal.key)).status, 200);
    await t.modules.catalog.datasets.importFile(t.tenant.id, {
      file: t.file('c2.csv', 'name,firm\nAnn,Acme\n'),
      replaceId: contactsId,
    });
    await t.server.refresh();
    assert.equal((await publicGet(`/api/dataset/${contactsId}`, portal.key)).status, 409);
    await openKey(portal.id);
    const contacts = row('dataset', contactsId);
    const broken = contacts.locator('[data-test="scope-broken"]');
    await broken.waitFor();
    await broken.hover();
    await page.locator('.el-popper', { hasText: '"company"' }).first().waitFor();
    await shots.take(page, 'scope-broken');
    await contacts.locator('[data-test="scope-edit"]').click();
    await contacts.locator('[data-test="scope-input"]').fill('firm[eq]=Acme');
    await contacts.locator('[data-test="scope-input"]').press('Enter');
    await broken.waitFor({ state: 'detached' });
    await until(`/api/dataset/${contactsId}`, portal.key, (a) => a.status === 200, 'the fixed scope reads');
  });

  it('sets an expiry when adding a key and changes it in Edit', async () => {
    await openKey(portal.id);
    await test('add-key').click();
    await test('add-key-dialog').waitFor();
    await test('key-name').fill('Expiring');
    await test('add-key-dialog').locator('[data-test="key-expiry-never"]').click();
    await test('add-key-dialog').locator('[data-test="key-expiry-picker"]').waitFor();
    await shots.take(page, 'add-key-expiry');
    await test('key-save').click();
    await test('add-key-dialog').waitFor({ state: 'hidden' });
    await textMatches('key-expires', /\d{4}\/\d{2}\/\d{2}/);
    const created = (await t.modules.access.keys.list(t.tenant.id)).find((k) => k.name === 'Expiring')!;
    const days = (Date.parse(created.expiresAt!) - Date.now()) / DAY;
    assert.ok(days > 89 && days <= 90, `the default is 90 days: ${created.expiresAt}`);

    // Edit: name and rate limit, then an expiry from the picker's shortcut.
    await test('edit-key').click();
    const dialog = test('edit-key-dialog');
    await dialog.waitFor();
    await dialog.locator('[data-test="edit-key-name"]').fill('Expiring soon');
    await dialog.locator('[data-test="edit-key-rate-limit"] input').fill('7');
    // The shortcut in this picker's own panel (its input's aria-controls), not the Add dialog's.
    const pickerInput = dialog.locator('[data-test="key-expiry-picker"] input');
    const shown = await pickerInput.inputValue();
    // CI once saw the 90 days kept after this click (a busy machine; the panel opening):
    // the field must show another date before Save, the shortcut clicked again if not.
    for (let attempt = 1; ; attempt++) {
      await pickerInput.click();
      const panel = await pickerInput.getAttribute('aria-controls');
      await page.locator(`[id="${panel}"] .el-picker-panel__shortcut`, { hasText: 'In 30 days' }).click();
      const changed = await page
        .waitForFunction(
          ([sel, before]) => {
            const input = document.querySelector<HTMLInputElement>(sel);
            return input !== null && input.value !== '' && input.value !== before;
          },
          ['[data-test="edit-key-dialog"] [data-test="key-expiry-picker"] input', shown] as const,
          { timeout: 3000 },
        )
        .then(
          () => true,
          () => false,
        );
      if (changed) break;
      assert.ok(attempt < 3, `the shortcut left the expiry at ${shown}`);
    }
    await shots.take(page, 'edit-key');
    await dialog.locator('[data-test="edit-key-save"]').click();
    await dialog.waitFor({ state: 'hidden' });
    const edited = await t.modules.access.keys.get(t.tenant.id, created.id);
    assert.deepEqual([edited.name, edited.rateLimit], ['Expiring soon', 7]);
    const left = (Date.parse(edited.expiresAt!) - Date.now()) / DAY;
    assert.ok(left > 29 && left <= 30, `30 days: ${edited.expiresAt}`);
    await textMatches('key-select', /Expiring soon/);

    // Never again.
    await test('edit-key').click();
    await dialog.waitFor();
    await dialog.locator('[data-test="key-expiry-never"]').click();
    await dialog.locator('[data-test="edit-key-save"]').click();
    await dialog.waitFor({ state: 'hidden' });
    await textMatches('key-expires', /^\s*Never\s*$/);
    assert.equal((await t.modules.access.keys.get(t.tenant.id, created.id)).expiresAt, null);

    // Allowed addresses and origins: a bad entry is refused with the server's message
    // naming it, and nothing changes; good ones are saved as the server writes them.
    await test('edit-key').click();
    await dialog.waitFor();
    await dialog.locator('[data-test="edit-key-allow-ips"]').fill('203.0.113.0/24\n10.0.0.300');
    await dialog.locator('[data-test="edit-key-origins"]').fill('https://Portal.Example.com');
    await dialog.locator('[data-test="edit-key-save"]').click();
    await dialog.locator('[data-test="edit-key-error"]').getByText('10.0.0.300').waitFor();
    await shots.take(page, 'edit-key-bad-address');
    assert.deepEqual((await t.modules.access.keys.get(t.tenant.id, created.id)).allowIps, []);
    await dialog.locator('[data-test="edit-key-allow-ips"]').fill('203.0.113.0/24\n2001:db8::/48');
    await dialog.locator('[data-test="edit-key-save"]').click();
    await dialog.waitFor({ state: 'hidden' });
    const limited = await t.modules.access.keys.get(t.tenant.id, created.id);
    assert.deepEqual(limited.allowIps, ['203.0.113.0/24', '2001:db8::/48']);
    assert.deepEqual(limited.corsOrigins, ['https://portal.example.com']);
    await test('edit-key').click();
    await dialog.waitFor();
    assert.equal(
      await dialog.locator('[data-test="edit-key-allow-ips"]').inputValue(),
      '203.0.113.0/24\n2001:db8::/48',
      'the dialog shows the saved lists',
    );
    await dialog.locator('[data-test="edit-key-allow-ips"]').fill('');
    await dialog.locator('[data-test="edit-key-origins"]').fill('');
    await dialog.locator('[data-test="edit-key-save"]').click();
    await dialog.waitFor({ state: 'hidden' });
    const open = await t.modules.access.keys.get(t.tenant.id, created.id);
    assert.deepEqual([open.allowIps, open.corsOrigins], [[], []]);
  });

  it('rotates a key with a chosen grace and shows until when each secret works', async () => {
    await openKey(portal.id);
    await test('rotate-key').click();
    const dialog = test('rotate-dialog');
    await dialog.waitFor();
    await chooseOption(page, test('rotate-grace'), '7 days');
    await test('rotate-confirm').click();
    await test('rotate-new-secret').waitFor();
    const fresh = (await test('rotate-new-secret').locator('code').innerText()).trim();
    assert.match(fresh, /^dgk_[0-9a-f]+$/);
    assert.notEqual(fresh, portal.key);
    assert.match(await test('rotate-new-valid').innerText(), /valid from now/);
    assert.match(await test('rotate-previous-valid').innerText(), /valid until \d{4}\/\d{2}\/\d{2}/);
    const until7 = Date.parse((await test('rotate-previous-valid').getAttribute('data-until'))!);
    assert.ok(Math.abs(until7 - (Date.now() + 7 * DAY)) < 60_000, 'seven days of grace');
    await shots.take(page, 'rotated');
    await test('rotate-done').click();
    await dialog.waitFor({ state: 'hidden' });
    await textMatches('key-previous-valid', /previous secret valid until/);
    // Both secrets read; the page shows and copies the new one.
    assert.equal((await publicGet(`/api/dataset/${ticketsId}`, fresh)).status, 200);
    assert.equal((await publicGet(`/api/dataset/${ticketsId}`, portal.key)).status, 200);
    await test('key-reveal').click();
    await textMatches('masked-key', new RegExp(`^\\s*${fresh}\\s*$`));
    portal = { ...portal, key: fresh };
  });

  it('disables and enables a key after asking: its clients get 403, then 200', async () => {
    await openKey(portal.id);
    await test('toggle-key').click();
    const ask = page.locator('.dg-confirm-disable-key');
    await ask.waitFor();
    await shots.take(page, 'disable-ask');
    await ask.getByRole('button', { name: 'Disable' }).click();
    await test('key-disabled-tag').waitFor();
    await textMatches('toggle-key', /Enable/);
    const refused = await until(`/api/dataset/${ticketsId}`, portal.key, (a) => a.status === 403, 'disabled');
    assert.deepEqual(refused.body, { code: 403, msg: 'This API key is disabled.', data: [] });
    assert.equal((await t.modules.access.keys.get(t.tenant.id, portal.id)).bindings.datasets.length, 2);
    await shots.take(page, 'disabled');

    await test('toggle-key').click();
    const again = page.locator('.dg-confirm-enable-key');
    await again.waitFor();
    await again.getByRole('button', { name: 'Enable' }).click();
    await test('key-disabled-tag').waitFor({ state: 'detached' });
    await until(`/api/dataset/${ticketsId}`, portal.key, (a) => a.status === 200, 'enabled again');
  });

  it('warns about a key that expires within 14 days or was never used in 30, saying which', async () => {
    const { access, store } = t.modules;
    const soon = await access.keys.create(t.tenant.id, {
      name: 'Soon',
      expiresAt: new Date(Date.now() + 5 * DAY).toISOString(),
    });
    const idle = await access.keys.create(t.tenant.id, { name: 'Idle' });
    await store.db
      .updateTable('apiKeys')
      .set({ createdAt: new Date(Date.now() - 40 * DAY).toISOString() })
      .where('id', '=', idle.id)
      .execute();
    const gone = await access.keys.create(t.tenant.id, {
      name: 'Gone',
      expiresAt: new Date(Date.now() + DAY).toISOString(),
    });
    await store.db
      .updateTable('apiKeys')
      .set({ expiresAt: new Date(Date.now() - DAY).toISOString() })
      .where('id', '=', gone.id)
      .execute();

    await openKey(soon.id);
    await test('key-warning').waitFor();
    assert.match((await test('key-warning').getAttribute('aria-label'))!, /Expires in 5 days/);
    await textMatches('key-warning', /^\s*Expires in 5 days\s*$/);
    await test('key-warning').hover();
    await page.locator('[data-test="key-warning-reason"]', { hasText: 'Expires in 5 days' }).waitFor();
    await shots.take(page, 'warning-expiring');

    await openKey(idle.id);
    await test('key-warning').waitFor();
    assert.match((await test('key-warning').getAttribute('aria-label'))!, /Never used in the 30 days/);
    await textMatches('key-warning', /^\s*Never used\s*$/);
    await textMatches('key-last-used', /Last used never/);

    await openKey(gone.id);
    await test('key-expired-tag').waitFor();
    assert.equal(await test('key-warning').count(), 0, 'an expired key has its own tag, not the warning');

    // A key in use and far from expiry has no badge.
    await openKey(portal.id);
    await textMatches('key-last-used', /Last used (just now|\d+ minutes? ago)/);
    assert.equal(await test('key-warning').count(), 0);
  });

  it('shows usage over 24 hours, 7 days or a chosen range, and downloads the same counts as CSV', async () => {
    // Three days ago: five requests of the portal key, as a flush writes them.
    const past = Math.floor((Date.now() - 3 * DAY) / 60_000);
    await t.server.flushNow();
    await t.modules.store.db
      .insertInto('usageMinutes')
      .values({ tenantId: t.tenant.id, keyId: portal.id, minute: past, status: 200, count: 5 })
      .execute();
    const day = await fetchUsage('hours=24');
    const week = await fetchUsage('hours=168');
    assert.equal(week - day, 5);

    await page.goto('/admin/usage');
    await test('usage-total').waitFor();
    await textMatches('usage-total', new RegExp(`Requests\\s*${day}(?!\\d)`));
    await test('usage-preset-7d').click();
    await textMatches('usage-total', new RegExp(`Requests\\s*${week}(?!\\d)`));
    await shots.take(page, 'usage-7d');

    // A range around the requests of three days ago, typed into the picker.
    const fmt = (ms: number) => {
      const d = new Date(ms);
      const p = (n: number) => String(n).padStart(2, '0');
      return `${d.getFullYear()}/${p(d.getMonth() + 1)}/${p(d.getDate())} ${p(d.getHours())}:${p(d.getMinutes())}`;
    };
    const inputs = test('usage-range').locator('input');
    await inputs.nth(0).fill(fmt(past * 60_000 - 3_600_000));
    await inputs.nth(0).press('Enter');
    await inputs.nth(1).fill(fmt(past * 60_000 + 3_600_000));
    await inputs.nth(1).press('Enter');
    await page.keyboard.press('Escape');
    await textMatches('usage-total', /Requests\s*5(?!\d)/);
    await textMatches('usage-total', /the chosen range/);
    await shots.take(page, 'usage-range');

    const [download] = await Promise.all([page.waitForEvent('download'), test('usage-csv').click()]);
    assert.match(download.suggestedFilename(), /^usage-\d{4}-\d{2}-\d{2}\.csv$/);
    const csv = fs.readFileSync((await download.path())!, 'utf8');
    const hour = new Date(Math.floor(past / 60) * 3_600_000).toISOString();
    assert.deepEqual(csv.split('\r\n'), [
      'hour,key_id,key_name,removed,status,requests',
      `${hour},${portal.id},Acme portal,false,200,5`,
      '',
    ]);

    // Back to a preset: the range is cleared.
    await test('usage-preset-24h').click();
    await textMatches('usage-total', new RegExp(`Requests\\s*${day}(?!\\d)`));
  });

  async function fetchUsage(query: string): Promise<number> {
    const cookies = await context.cookies();
    const res = await fetch(`${url}/admin/api/usage?${query}`, {
      headers: { cookie: cookies.map((c) => `${c.name}=${c.value}`).join('; ') },
    });
    const body = (await res.json()) as { keys: { requests: number }[] };
    return body.keys.reduce((n, k) => n + k.requests, 0);
  }
});
