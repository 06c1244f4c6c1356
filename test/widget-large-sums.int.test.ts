import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { signedInAdmin, type AdminClient } from './support/admin-client.ts';
import { boundKey, createWidget, importDataset } from './support/fixtures.ts';
import { startTestServer, type TestServer } from './support/test-server.ts';

// 5,000 19-digit ids (about 1.5e18 each) in group "big": their sum is past 64 bits.
// Group "small" holds small integers whose sum fits. Expectations are computed here with BigInt.
const BIG: bigint[] = Array.from({ length: 5000 }, (_, i) => 1534956341424005121n + BigInt(i) * 7_919_000_003n);
const SMALL: bigint[] = [3n, -7n, 40n];
const CSV = ['id,grp', ...BIG.map((v) => `${v},big`), ...SMALL.map((v) => `${v},small`)].join('\n');
const sum = (xs: bigint[]) => xs.reduce((a, b) => a + b, 0n);
const min = (xs: bigint[]) => xs.reduce((a, b) => (b < a ? b : a));
const max = (xs: bigint[]) => xs.reduce((a, b) => (b > a ? b : a));
/** The nearest double to the exact mean, as a number's shortest text. */
const mean = (xs: bigint[]) => {
  const scaled = (sum(xs) * 10n ** 6n) / BigInt(xs.length);
  return Number(scaled) / 1e6;
};

const MEASURES = [
  { agg: 'sum', field: 'id', label: 'Sum' },
  { agg: 'avg', field: 'id', label: 'Avg' },
  { agg: 'min', field: 'id', label: 'Min' },
  { agg: 'max', field: 'id', label: 'Max' },
  { agg: 'count_distinct', field: 'id', label: 'Distinct' },
];

function expected(xs: bigint[]) {
  return { Sum: String(sum(xs)), Min: String(min(xs)), Max: String(max(xs)), Distinct: String(xs.length) };
}

describe('widget measures over 64-bit integers whose sum is past 64 bits', () => {
  let t: TestServer;
  let a: AdminClient;
  let dsId: string;
  let secret: string;
  const ids: Record<string, string> = {};

  before(async () => {
    t = await startTestServer({ DATAGATE_KEY_FAILURE_LIMIT: '1000' });
    a = await signedInAdmin(t);
    dsId = (await importDataset(t, 'ids.csv', CSV, 'Ids')).id;
    for (const [name, spec] of Object.entries({
      total: { chart: 'number', measures: MEASURES },
      byGroup: { dimensions: [{ field: 'grp', label: 'Group' }], measures: MEASURES, sort: '-Sum' },
      small: { chart: 'number', measures: MEASURES, filter: 'grp=small' },
    })) {
      ids[name] = (await createWidget(t, { name, dataset: dsId, chart: 'table', ...spec })).id;
    }
    secret = (await boundKey(t, { name: 'reader', rateLimit: 100_000, widgets: Object.values(ids) })).key;
    await t.server.refresh();
  });
  after(() => t.close());

  async function read(name: string, qs = ''): Promise<Record<string, string | null>[]> {
    const res = await t.server.app.inject({
      method: 'GET',
      url: `/api/widget/${ids[name]}${qs}`,
      headers: { apikey: secret },
    });
    assert.equal(res.statusCode, 200, res.body);
    return JSON.parse(res.body).data;
  }

  function check(row: Record<string, string | null>, xs: bigint[]) {
    const { Avg, Group: _group, ...exact } = row;
    assert.deepEqual(exact, expected(xs));
    // The mean of 19-digit integers is not exact as a double on either backend: the nearest ones.
    assert.ok(Math.abs(Number(Avg) - mean(xs)) <= Math.abs(mean(xs)) * 4 * Number.EPSILON, `Avg ${Avg} vs ${mean(xs)}`);
  }

  it('sums them exactly, and avg, min, max and count_distinct answer on the same data', async () => {
    const [row] = await read('total');
    assert.equal(row.Sum, String(sum([...BIG, ...SMALL])));
    assert.ok(BigInt(row.Sum!) > 2n ** 63n, 'the sum is past 64 bits');
    check(row, [...BIG, ...SMALL]);
  });

  it('per group: the overflowing group exact, the other unchanged, sorted by the sum', async () => {
    const rows = await read('byGroup');
    assert.deepEqual(
      rows.map((r) => r.Group),
      ['big', 'small'],
    );
    check(rows[0], BIG);
    check(rows[1], SMALL);
  });

  it('a sum that fits 64 bits is an integer as before', async () => {
    const [row] = await read('small');
    assert.equal(row.Sum, '36');
    check(row, SMALL);
  });

  it('filters on the group and reads it again (a cached read answers the same)', async () => {
    for (let i = 0; i < 2; i++) {
      const rows = await read('byGroup', '?Group=big');
      assert.equal(rows.length, 1);
      check(rows[0], BIG);
    }
  });

  it('the admin preview answers the same', async () => {
    const res = await a.ok(
      'POST',
      '/admin/api/widgets/preview',
      { dataset: dsId, chart: 'number', measures: MEASURES },
      200,
    );
    assert.equal(res.rows.length, 1);
    check(res.rows[0], [...BIG, ...SMALL]);
  });
});
