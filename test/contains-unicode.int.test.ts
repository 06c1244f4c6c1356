import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { boundKey, createWidget, importDataset } from './support/fixtures.ts';
import { startTestServer, type TestServer } from './support/test-server.ts';

// Contains ignores case for every letter, one character to one, as PostgreSQL's lower()
// does under a UTF-8 locale: É/é, İ is i, the Kelvin sign is k, ẞ is ß; but ß is not
// "ss" and a final ς is not σ (no full case folding). The same rows on both backends.
const TECHNICIANS = [
  'Chloé Martin', // 1
  'CHLOÉ DURAND', // 2
  'chloe plain', // 3
  'İstanbul office', // 4
  'istanbul desk', // 5
  'ISTANBUL HQ', // 6
  'Straße 5', // 7
  'STRASSE 6', // 8
  'ΟΔΟΣ', // 9
  'οδος', // 10
  '\u212A-band', // 11: Kelvin sign
  'k-band', // 12
  '100%_é', // 13
  'Ärger Öl Übel', // 14
];
const CSV = ['n,technician', ...TECHNICIANS.map((s, i) => `${i + 1},${s}`)].join('\n');

const CASES: [string, number[], string][] = [
  ['CHLOÉ', [1, 2], 'the issue: upper-case É finds é'],
  ['chloé', [1, 2], 'lower-case é finds É'],
  ['Chloe', [3], 'accents are not ignored'],
  ['İSTANBUL', [4, 5, 6], 'İ is i'],
  ['istanbul', [4, 5, 6], 'i finds İ, I and i'],
  ['ß', [7], 'ß stays ß'],
  ['\u1E9E', [7], 'capital ẞ is ß'],
  ['ss', [8], 'ß is not "ss"'],
  ['ΟΔΟΣ', [9], 'Σ is σ, not a final ς'],
  ['οδος', [10], 'ς is not σ'],
  ['K-BAND', [11, 12], 'the Kelvin sign is k'],
  ['é', [1, 2, 13], 'one non-ASCII letter'],
  ['%_É', [13], '% and _ are literal next to non-ASCII'],
  ['äRGER öL üBEL', [14], 'German umlauts'],
  ['firewall', [], 'ASCII that matches nothing'],
  ['plain', [3], 'ASCII without i or k'],
];

describe('contains ignores case for all of Unicode', () => {
  let t: TestServer;
  let secret: string;
  let dsId: string;
  let widgetId: string;

  before(async () => {
    t = await startTestServer({ DATAGATE_KEY_FAILURE_LIMIT: '1000' });
    dsId = (await importDataset(t, 'techs.csv', CSV, 'Techs')).id;
    const w = await createWidget(t, {
      name: 'By technician',
      dataset: dsId,
      chart: 'table',
      dimensions: [
        { field: 'technician', label: 'Tech' },
        { field: 'n', label: 'N' },
      ],
    });
    widgetId = w.id;
    secret = (await boundKey(t, { name: 'reader', rateLimit: 100_000, datasets: [dsId], widgets: [widgetId] })).key;
    await t.server.refresh();
  });
  after(() => t.close());

  const get = async (url: string) => {
    const res = await t.server.app.inject({ method: 'GET', url, headers: { apikey: secret } });
    assert.equal(res.statusCode, 200, res.body);
    return JSON.parse(res.body).data;
  };

  for (const [text, rows, why] of CASES) {
    it(`technician=${text} -> [${rows.join(',')}] (${why})`, async () => {
      const q = encodeURIComponent(text);
      const data = await get(`/api/dataset/${dsId}?technician=${q}&size=50`);
      assert.deepEqual(
        data.records.map((r: Record<string, unknown>) => Number(r.n)).sort((a: number, b: number) => a - b),
        rows,
        'dataset',
      );
      assert.equal(data.total, rows.length, 'total');
      const inWidget = await get(`/api/widget/${widgetId}?Tech=${q}&size=50`);
      assert.deepEqual(
        inWidget.map((r: Record<string, string>) => Number(r.N)).sort((a: number, b: number) => a - b),
        rows,
        'widget',
      );
    });
  }
});
