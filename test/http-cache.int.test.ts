import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { brotliDecompressSync, gunzipSync } from 'node:zlib';
import fs from 'node:fs';
import path from 'node:path';
import { builtConsole } from '../scripts/console-build.mjs';
import { assertBadParameter, boundKey, createWidget, importDataset } from './support/fixtures.ts';
import { startTestServer, type TestServer } from './support/test-server.ts';

// Spec section 12: X-Dataset-Version, ETag / If-None-Match, Cache-Control, `_numbers=string`
// and compression on the public API.

const ROWS = 60;
const csv = (note: string) =>
  [
    'id,company,hours,note',
    ...Array.from({ length: ROWS }, (_, i) =>
      [`15349563414240051${String(i).padStart(2, '0')}`, i % 2 ? 'Acme' : 'Birch', i / 4, `${note} ${i}`].join(','),
    ),
  ].join('\n');

describe('versions, validators, numbers and compression', () => {
  let t: TestServer;
  let key: string;
  let scopedKey: { id: string; key: string };
  let dsId: string;
  let widgetId: string;

  const get = (url: string, headers: Record<string, string> = {}, apikey = key) =>
    t.server.app.inject({ method: 'GET', url, headers: { apikey, ...headers } });

  before(async () => {
    t = await startTestServer({ DATAGATE_KEY_FAILURE_LIMIT: '1000' });
    dsId = (await importDataset(t, 't.csv', csv('first'), 'Tickets')).id;
    widgetId = (
      await createWidget(t, {
        name: 'Hours by company',
        dataset: dsId,
        chart: 'table',
        dimensions: [{ field: 'company', label: 'Company' }],
        measures: [{ agg: 'sum', field: 'hours', label: 'Hours' }],
      })
    ).id;
    key = (await boundKey(t, { name: 'all', rateLimit: 100_000, datasets: [dsId], widgets: [widgetId] })).key;
    scopedKey = await boundKey(t, { name: 'acme', rateLimit: 100_000 });
    await t.modules.access.keys.bind(t.tenant.id, scopedKey.id, 'dataset', dsId, 'company[eq]=Acme');
    await t.server.refresh();
  });
  after(() => t?.close());

  it('a dataset page carries its version, an ETag and Cache-Control; the same query has the same ETag', async () => {
    const a = await get(`/api/dataset/${dsId}?size=5`);
    assert.equal(a.statusCode, 200);
    assert.match(String(a.headers['x-dataset-version']), /^\d+$/);
    assert.match(String(a.headers.etag), /^W\/"[A-Za-z0-9_-]{27}"$/);
    assert.equal(a.headers['cache-control'], 'private, no-cache');
    const b = await get(`/api/dataset/${dsId}?size=5`);
    assert.equal(b.headers.etag, a.headers.etag);
    // Another query, another tag.
    const c = await get(`/api/dataset/${dsId}?size=6`);
    assert.notEqual(c.headers.etag, a.headers.etag);
    const d = await get(`/api/dataset/${dsId}?size=5&company=Acme`);
    assert.notEqual(d.headers.etag, a.headers.etag);
  });

  it('If-None-Match with the current tag is 304 with no body, cached or not', async () => {
    const first = await get(`/api/dataset/${dsId}?size=3&_sort=-hours`);
    const etag = String(first.headers.etag);
    for (const given of [etag, etag.slice(2), `"other", ${etag}`, '*']) {
      const res = await get(`/api/dataset/${dsId}?size=3&_sort=-hours`, { 'if-none-match': given });
      assert.equal(res.statusCode, 304, given);
      assert.equal(res.body, '');
      assert.equal(res.headers.etag, etag);
      assert.equal(res.headers['cache-control'], 'private, no-cache');
    }
    const stale = await get(`/api/dataset/${dsId}?size=3&_sort=-hours`, { 'if-none-match': 'W/"old"' });
    assert.equal(stale.statusCode, 200);
    assert.equal(JSON.parse(stale.body).data.records.length, 3);
  });

  it('a 304 is only for a query that is valid: a bad one is still 400, with no ETag', async () => {
    const res = await get(`/api/dataset/${dsId}?nope=1`, { 'if-none-match': '*' });
    assertBadParameter(res, /nope/);
    assert.equal(res.headers.etag, undefined);
  });

  it('a scoped binding has its own tag for the same query', async () => {
    const all = await get(`/api/dataset/${dsId}?size=5`);
    const scoped = await get(`/api/dataset/${dsId}?size=5`, {}, scopedKey.key);
    assert.equal(scoped.statusCode, 200);
    assert.equal(JSON.parse(scoped.body).data.total, ROWS / 2);
    assert.notEqual(scoped.headers.etag, all.headers.etag);
    // The unscoped key's tag does not get the scoped key a 304 for rows it never saw, nor the reverse.
    const cross = await get(
      `/api/dataset/${dsId}?size=5`,
      { 'if-none-match': String(all.headers.etag) },
      scopedKey.key,
    );
    assert.equal(cross.statusCode, 200);
    // Changing the scope changes the tag.
    await t.modules.access.keys.bind(t.tenant.id, scopedKey.id, 'dataset', dsId, 'company[eq]=Birch');
    await t.server.refresh();
    const after = await get(
      `/api/dataset/${dsId}?size=5`,
      { 'if-none-match': String(scoped.headers.etag) },
      scopedKey.key,
    );
    assert.equal(after.statusCode, 200);
    assert.notEqual(after.headers.etag, scoped.headers.etag);
    assert.ok(JSON.parse(after.body).data.records.every((r: { company: string }) => r.company === 'Birch'));
    await t.modules.access.keys.bind(t.tenant.id, scopedKey.id, 'dataset', dsId, 'company[eq]=Acme');
    await t.server.refresh();
  });

  it('a widget result carries the version of its dataset, an ETag, and answers 304', async () => {
    const res = await get(`/api/widget/${widgetId}`);
    assert.equal(res.statusCode, 200);
    assert.equal(res.headers['x-total-count'], '2');
    const page = await get(`/api/dataset/${dsId}?size=1`);
    assert.equal(res.headers['x-dataset-version'], page.headers['x-dataset-version']);
    assert.equal(res.headers['cache-control'], 'private, no-cache');
    const again = await get(`/api/widget/${widgetId}`, { 'if-none-match': String(res.headers.etag) });
    assert.equal(again.statusCode, 304);
    assert.equal(again.body, '');
  });

  it('the lists carry tags too', async () => {
    for (const url of ['/api/datasets', '/api/widgets']) {
      const res = await get(url);
      assert.equal(res.statusCode, 200);
      const again = await get(url, { 'if-none-match': String(res.headers.etag) });
      assert.equal(again.statusCode, 304, url);
    }
  });

  it('_numbers=string writes every NUMBER as the string of its exact digits; nulls stay null', async () => {
    const res = await get(`/api/dataset/${dsId}?size=3&_numbers=string`);
    assert.equal(res.statusCode, 200);
    const records = JSON.parse(res.body).data.records;
    assert.deepEqual(records[1], { id: '1534956341424005101', company: 'Acme', hours: '0.25', note: 'first 1' });
    const plain = await get(`/api/dataset/${dsId}?size=3`);
    assert.match(plain.body, /"id":1534956341424005101,/);
    assert.notEqual(res.headers.etag, plain.headers.etag);
    assertBadParameter(
      await get(`/api/dataset/${dsId}?_numbers=text`),
      /Option "_numbers" must be "string" or "number", got "text"/,
    );
    // Widgets already write every value as a string: accepted, no change.
    const w = await get(`/api/widget/${widgetId}?_numbers=string`);
    assert.equal(w.statusCode, 200);
    assert.deepEqual(JSON.parse(w.body).data, JSON.parse((await get(`/api/widget/${widgetId}`)).body).data);
  });

  it('a reload changes the version and the tag; the old tag is no longer current', async () => {
    const before = await get(`/api/dataset/${dsId}?size=2`);
    const wBefore = await get(`/api/widget/${widgetId}`);
    await t.modules.catalog.datasets.importFile(t.tenant.id, {
      file: t.file('t2.csv', csv('second')),
      replaceId: dsId,
    });
    await t.server.refresh();
    const after = await get(`/api/dataset/${dsId}?size=2`, { 'if-none-match': String(before.headers.etag) });
    assert.equal(after.statusCode, 200);
    assert.ok(Number(after.headers['x-dataset-version']) > Number(before.headers['x-dataset-version']));
    assert.notEqual(after.headers.etag, before.headers.etag);
    assert.match(after.body, /second 0/);
    const wAfter = await get(`/api/widget/${widgetId}`, { 'if-none-match': String(wBefore.headers.etag) });
    assert.equal(wAfter.statusCode, 200);
    assert.equal(wAfter.headers['x-dataset-version'], after.headers['x-dataset-version']);
  });

  it('gzip and br for bodies over 1 KB when accepted; small bodies and plain clients get identity', async () => {
    const url = `/api/dataset/${dsId}?size=50`;
    const plain = await get(url);
    assert.ok(plain.body.length > 1024);
    assert.equal(plain.headers['content-encoding'], undefined);
    const gz = await get(url, { 'accept-encoding': 'gzip' });
    assert.equal(gz.headers['content-encoding'], 'gzip');
    assert.equal(gunzipSync(gz.rawPayload).toString(), plain.body);
    assert.equal(gz.headers.etag, plain.headers.etag);
    const br = await get(url, { 'accept-encoding': 'br;q=1, gzip;q=0.5' });
    assert.equal(br.headers['content-encoding'], 'br');
    assert.equal(brotliDecompressSync(br.rawPayload).toString(), plain.body);
    assert.ok(br.rawPayload.length < plain.body.length / 2);
    assert.match(String(br.headers.vary), /accept-encoding/i);
    const small = await get(`/api/dataset/${dsId}?size=1`, { 'accept-encoding': 'gzip, br' });
    assert.ok(small.body.length < 1024);
    assert.equal(small.headers['content-encoding'], undefined);
    // An error body is compressed or not by the same rule; a 304 has nothing to compress.
    const nm = await get(url, { 'accept-encoding': 'gzip', 'if-none-match': String(plain.headers.etag) });
    assert.equal(nm.statusCode, 304);
    assert.equal(nm.rawPayload.length, 0);
  });
});

describe("the console's assets, compressed", () => {
  let t: TestServer;
  let dir: string;
  before(async () => {
    dir = await builtConsole({ log: () => {} });
    t = await startTestServer({ DATAGATE_CONSOLE_DIR: dir });
  });
  after(() => t?.close());

  it('sends the prebuilt .br or .gz of a script to a browser that accepts it, else the file itself', async () => {
    const page = await t.server.app.inject({ url: '/admin/' });
    const src = /src="\/admin\/(assets\/[^"]+\.js)"/.exec(page.body)?.[1];
    assert.ok(src, 'index.html names its script');
    const raw = fs.readFileSync(path.join(dir, src));
    assert.ok(raw.length > 1024);
    const plain = await t.server.app.inject({ url: `/admin/${src}` });
    assert.equal(plain.headers['content-encoding'], undefined);
    assert.deepEqual(plain.rawPayload, raw);
    const br = await t.server.app.inject({ url: `/admin/${src}`, headers: { 'accept-encoding': 'gzip, deflate, br' } });
    assert.equal(br.headers['content-encoding'], 'br');
    assert.match(String(br.headers['content-type']), /javascript/);
    assert.deepEqual(brotliDecompressSync(br.rawPayload), raw);
    assert.ok(br.rawPayload.length < raw.length / 2);
    assert.match(String(br.headers['cache-control']), /immutable/);
    const gz = await t.server.app.inject({ url: `/admin/${src}`, headers: { 'accept-encoding': 'gzip' } });
    assert.equal(gz.headers['content-encoding'], 'gzip');
    assert.deepEqual(gunzipSync(gz.rawPayload), raw);
  });
});
