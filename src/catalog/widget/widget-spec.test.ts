import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Field } from '../types.ts';
import { filterParams, parseWidgetSpec, resolveWidget, widgetColumns, type WidgetSpec } from './widget-spec.ts';
import { filterFields } from '../filter/filter-parser.ts';

const FIELDS: readonly Field[] = [
  { name: 'board', type: 'TEXT', column: 'c0' },
  { name: 'hours', type: 'NUMBER', column: 'c1' },
  { name: 'created_at', type: 'DATETIME', column: 'c2' },
  { name: 'closed', type: 'DATE', column: 'c3' },
  { name: 'billable', type: 'BOOLEAN', column: 'c4' },
  { name: 'Status', type: 'TEXT', column: 'c5' },
  { name: 'Real Name', type: 'TEXT', column: 'c6' },
];

const BASE = {
  name: 'Hours by board',
  dataset: '1234567890123456789',
  chart: 'bar',
  dimensions: [
    { field: 'board', label: 'Board' },
    { field: 'created_at', label: 'Month', bucket: 'month' },
  ],
  measures: [
    { agg: 'count', label: 'Count' },
    { agg: 'sum', field: 'hours', label: 'Sum' },
  ],
  filter: 'Status=Open&hours=1,3',
  sort: '-Sum',
  limit: 100,
};

function shape(input: unknown): WidgetSpec {
  const r = parseWidgetSpec(input);
  assert.ok(r.ok, r.ok ? '' : r.message);
  return r.spec;
}

describe('widget spec: shape', () => {
  it('accepts the example of spec section 7 and fills defaults', () => {
    assert.deepEqual(shape(BASE), { ...BASE, chart: 'bar' });
    const minimal = shape({ name: ' N ', dataset: 'd', chart: 'number', measures: [{ agg: 'count', label: 'N' }] });
    assert.deepEqual(minimal, {
      name: 'N',
      dataset: 'd',
      chart: 'number',
      dimensions: [],
      measures: [{ agg: 'count', label: 'N' }],
      filter: '',
      sort: '',
      limit: null,
    });
  });

  it('keeps "stacked" only when true, and refuses a value that is not a boolean', () => {
    const on = parseWidgetSpec({ ...BASE, stacked: true });
    assert.ok(on.ok);
    assert.equal(on.spec.stacked, true);
    const off = parseWidgetSpec({ ...BASE, stacked: false });
    assert.ok(off.ok);
    assert.equal('stacked' in off.spec, false);
    const bad = parseWidgetSpec({ ...BASE, stacked: 'yes' });
    assert.deepEqual(bad, { ok: false, message: '"stacked" must be true or false, got "yes"' });
  });

  it('accepts dimensions without measures, and a count over a field', () => {
    assert.equal(shape({ ...BASE, measures: [], sort: '' }).measures.length, 0);
    assert.deepEqual(shape({ ...BASE, measures: [{ agg: 'count', field: 'hours', label: 'N' }], sort: '' }).measures, [
      { agg: 'count', field: 'hours', label: 'N' },
    ]);
  });

  const refused: [string, unknown, RegExp][] = [
    ['not an object', [1], /must be a JSON object, got an array/],
    ['null', null, /must be a JSON object, got null/],
    [
      'an unknown property',
      { ...BASE, measure: [] },
      /Unknown property "measure" in the widget spec; properties are: name, dataset/,
    ],
    ['no name', { ...BASE, name: undefined }, /"name" must be a non-empty string, got nothing/],
    ['a blank name', { ...BASE, name: '  ' }, /"name" must be a non-empty string/],
    ['no dataset', { ...BASE, dataset: undefined }, /"dataset" must be a non-empty string/],
    ['a numeric dataset', { ...BASE, dataset: 42 }, /"dataset" must be a non-empty string, got 42/],
    [
      'an unknown chart',
      { ...BASE, chart: 'area' },
      /"chart" must be one of table, bar, line, pie, number, got "area"/,
    ],
    ['no chart', { ...BASE, chart: undefined }, /"chart" must be one of/],
    ['dimensions not an array', { ...BASE, dimensions: {} }, /"dimensions" must be an array, got an object/],
    ['measures not an array', { ...BASE, measures: 'count' }, /"measures" must be an array, got "count"/],
    ['a dimension that is not an object', { ...BASE, dimensions: ['board'] }, /dimensions\[0\] must be an object/],
    [
      'a dimension with an unknown property',
      { ...BASE, dimensions: [{ field: 'board', label: 'B', as: 'x' }] },
      /Unknown property "as" in dimensions\[0\]/,
    ],
    [
      'a dimension without field',
      { ...BASE, dimensions: [{ label: 'B' }] },
      /dimensions\[0\]\.field must be a non-empty string/,
    ],
    [
      'a dimension without label',
      { ...BASE, dimensions: [{ field: 'board' }] },
      /dimensions\[0\]\.label must be a non-empty string/,
    ],
    [
      'an unknown bucket',
      { ...BASE, dimensions: [{ field: 'created_at', label: 'H', bucket: 'hour' }] },
      /dimensions\[0\]\.bucket must be one of day, week, month, quarter, year, got "hour"/,
    ],
    [
      'an unknown agg',
      { ...BASE, measures: [{ agg: 'median', field: 'hours', label: 'M' }] },
      /measures\[0\]\.agg must be one of count, count_distinct, sum, avg, min, max, got "median"/,
    ],
    [
      'a measure with an unknown property',
      { ...BASE, measures: [{ agg: 'count', label: 'N', distinct: true }] },
      /Unknown property "distinct" in measures\[0\]/,
    ],
    [
      'sum without field',
      { ...BASE, measures: [{ agg: 'sum', label: 'S' }] },
      /measures\[0\] \(sum\) needs a "field"; only count can go without one/,
    ],
    [
      'count_distinct without field',
      { ...BASE, measures: [{ agg: 'count_distinct', label: 'S' }] },
      /measures\[0\] \(count_distinct\) needs a "field"/,
    ],
    [
      'a measure without label',
      { ...BASE, measures: [{ agg: 'count' }] },
      /measures\[0\]\.label must be a non-empty string/,
    ],
    [
      'no dimensions and no measures',
      { ...BASE, dimensions: [], measures: [], sort: '' },
      /at least one dimension or measure/,
    ],
    [
      'duplicate labels',
      { ...BASE, measures: [{ agg: 'count', label: 'Board' }], sort: '' },
      /label "Board" is used twice/,
    ],
    [
      'a label that is a paging parameter',
      { ...BASE, measures: [{ agg: 'count', label: 'size' }], sort: '' },
      /measures\[0\]\.label "size" can't name a column/,
    ],
    [
      'a label beginning with _',
      { ...BASE, dimensions: [{ field: 'board', label: '_b' }], sort: '' },
      /dimensions\[0\]\.label "_b" can't name a column/,
    ],
    [
      'a filter that is not a string',
      { ...BASE, filter: { status: 'Open' } },
      /"filter" must be a string in the filter language/,
    ],
    ['a sort that is not a string', { ...BASE, sort: ['-Sum'] }, /"sort" must be a string of column labels/],
    [
      'an unknown sort label',
      { ...BASE, sort: '-Total' },
      /"sort" names "Total", which is not a column label; labels are: Board, Month, Count, Sum/,
    ],
    ['a sort label twice', { ...BASE, sort: 'Sum,-Sum' }, /"sort" names "Sum" more than once/],
    ['an empty sort item', { ...BASE, sort: 'Sum,,Count' }, /"sort" has an empty label/],
    ['limit 0', { ...BASE, limit: 0 }, /"limit" must be a whole number from 1 to 1000000, got 0/],
    ['a fractional limit', { ...BASE, limit: 2.5 }, /"limit" must be a whole number/],
    ['a text limit', { ...BASE, limit: '10' }, /"limit" must be a whole number from 1 to 1000000, got "10"/],
    ['a huge limit', { ...BASE, limit: 1e7 }, /"limit" must be a whole number/],
    ['U+0000 in the name', { ...BASE, name: 'a\0' }, /^"name" contains a NUL character \(U\+0000\)/],
    [
      'U+0000 in a label',
      { ...BASE, measures: [{ agg: 'count', label: 'C\0' }] },
      /^"measures\[0\]\.label" contains a NUL character/,
    ],
    ['U+0000 in a property name', { ...BASE, ['x\0']: 1 }, /^"x\\u0000" contains a NUL character/],
  ];
  for (const [name, input, message] of refused) {
    it(`refuses ${name}`, () => {
      const r = parseWidgetSpec(input);
      assert.equal(r.ok, false);
      assert.match((r as { message: string }).message, message);
    });
  }
});

describe('widget spec: resolved against the dataset', () => {
  it('refuses U+0000 in the filter, percent-encoded, naming the parameter', () => {
    const r = resolveWidget(shape({ ...BASE, filter: 'Status=a%00b' }), FIELDS, 'Tickets');
    assert.equal(r.ok, false);
    assert.equal(
      (r as { message: string }).message,
      '"filter" is invalid: Parameter "Status" contains a NUL character (U+0000), which text values cannot hold',
    );
  });

  it('plans result columns: dimensions then measures, bucket → DATE, measure → NUMBER', () => {
    const r = resolveWidget(shape(BASE), FIELDS, 'Tickets');
    assert.ok(r.ok);
    assert.deepEqual(r.plan.columns, [
      { name: 'Board', type: 'TEXT', column: 'd0' },
      { name: 'Month', type: 'DATE', column: 'd1' },
      { name: 'Count', type: 'NUMBER', column: 'm0' },
      { name: 'Sum', type: 'NUMBER', column: 'm1' },
    ]);
    assert.deepEqual(
      r.plan.dimensions.map((d) => [d.field.column, d.bucket]),
      [
        ['c0', null],
        ['c2', 'month'],
      ],
    );
    assert.deepEqual(
      r.plan.measures.map((m) => [m.agg, m.field?.column ?? null]),
      [
        ['count', null],
        ['sum', 'c1'],
      ],
    );
    assert.deepEqual(
      r.plan.sort.map((s) => [s.column.name, s.asc]),
      [['Sum', false]],
    );
    assert.deepEqual(
      r.plan.filters.map((f) => [f.kind, filterFields(f)[0].name]),
      [
        ['contains', 'Status'],
        ['ranges', 'hours'],
      ],
    );
    assert.equal(r.plan.limit, 100);
  });

  it('matches field names case-insensitively when one field matches, and stores the exact spelling', () => {
    const r = resolveWidget(
      shape({
        ...BASE,
        dimensions: [{ field: 'BOARD', label: 'Board' }],
        measures: [{ agg: 'max', field: 'Hours', label: 'Sum' }],
      }),
      FIELDS,
      'Tickets',
    );
    assert.ok(r.ok);
    assert.equal(r.spec.dimensions[0].field, 'board');
    assert.equal(r.spec.measures[0].field, 'hours');
  });

  it('decodes the filter like a query string: + and %20 are spaces, a repeated name is ANDed', () => {
    assert.deepEqual(filterParams('Real+Name=Tod&Real%20Name=d&Status='), { 'Real Name': ['Tod', 'd'], Status: '' });
    const r = resolveWidget(shape({ ...BASE, filter: 'Real+Name=Tod&Real%20Name=d' }), FIELDS, 'Tickets');
    assert.ok(r.ok);
    assert.equal(r.plan.filters.length, 2);
  });

  const refused: [string, Partial<typeof BASE> & Record<string, unknown>, RegExp][] = [
    [
      'an unknown dimension field',
      { dimensions: [{ field: 'boards', label: 'Board' }], sort: '' },
      new RegExp(
        /dimensions\[0\] names field "boards", which dataset "Tickets" does not have; /.source +
          /fields are: board, hours, created_at/.source,
      ),
    ],
    [
      'an unknown measure field',
      { measures: [{ agg: 'sum', field: 'hour', label: 'Sum' }] },
      /measures\[0\] names field "hour"/,
    ],
    [
      'a bucket on a TEXT field',
      { dimensions: [{ field: 'board', label: 'B', bucket: 'week' }], sort: '' },
      /dimensions\[0\] buckets field "board" by week, but only DATE and DATETIME fields have buckets; "board" is TEXT/,
    ],
    [
      'a bucket on a NUMBER field',
      { dimensions: [{ field: 'hours', label: 'B', bucket: 'year' }], sort: '' },
      /"hours" is NUMBER/,
    ],
    [
      'sum over TEXT',
      { measures: [{ agg: 'sum', field: 'board', label: 'Sum' }] },
      /measures\[0\] \(sum\) needs a NUMBER field; "board" is TEXT/,
    ],
    [
      'avg over a DATE',
      { measures: [{ agg: 'avg', field: 'closed', label: 'Sum' }] },
      /\(avg\) needs a NUMBER field; "closed" is DATE/,
    ],
    [
      'min over BOOLEAN',
      { measures: [{ agg: 'min', field: 'billable', label: 'Sum' }] },
      /\(min\) needs a NUMBER field/,
    ],
    [
      'a filter on an unknown field',
      { filter: 'state=Open' },
      /"filter" is invalid: Unknown field "state"; fields are: board/,
    ],
    [
      'a filter value that does not parse',
      { filter: 'hours=abc' },
      /"filter" is invalid: Invalid value "abc" for NUMBER field "hours"/,
    ],
    [
      'a filter with paging',
      { filter: 'board=x&size=5' },
      /"filter" takes only filters on fields; "size" is a paging parameter or an option/,
    ],
    ['a filter with an option', { filter: '_sort=board' }, /"_sort" is a paging parameter or an option/],
  ];
  for (const [name, change, message] of refused) {
    it(`refuses ${name}`, () => {
      const r = resolveWidget(shape({ ...BASE, ...change }), FIELDS, 'Tickets');
      assert.equal(r.ok, false);
      assert.match((r as { message: string }).message, message);
    });
  }

  it('count and count_distinct take any field type', () => {
    const r = resolveWidget(
      shape({
        ...BASE,
        measures: [
          { agg: 'count_distinct', field: 'closed', label: 'Sum' },
          { agg: 'count', field: 'billable', label: 'N' },
        ],
      }),
      FIELDS,
      'T',
    );
    assert.ok(r.ok);
  });

  it('lists columns with types, null where the field is gone', () => {
    assert.deepEqual(widgetColumns(shape(BASE), FIELDS.slice(1)), [
      { name: 'Board', type: null },
      { name: 'Month', type: 'DATE' },
      { name: 'Count', type: 'NUMBER' },
      { name: 'Sum', type: 'NUMBER' },
    ]);
  });
});
