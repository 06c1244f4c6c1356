import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { buildChartSeries } from '../web/src/chart-series.ts';

// Tickets by month and status, as a widget result gives them (values as strings).
const rows = [
  { Month: '2024-01-01', Status: 'Closed', Count: '12' },
  { Month: '2024-01-01', Status: 'Open', Count: '3' },
  { Month: '2024-02-01', Status: 'Closed', Count: '9' },
  { Month: '2024-02-01', Status: 'Waiting', Count: '1' },
  { Month: '2024-03-01', Status: 'Open', Count: '4' },
];

describe('buildChartSeries', () => {
  it('keeps one-dimension results as a category per row and a series per measure', () => {
    const set = buildChartSeries(
      [
        { Board: 'Help', Count: '3', Hours: '1.5' },
        { Board: null, Count: '2', Hours: null },
      ],
      ['Board'],
      ['Count', 'Hours'],
    );
    assert.deepEqual(set, {
      categories: ['Help', '(empty)'],
      series: [
        { name: 'Count', measure: 0, values: [3, 2] },
        { name: 'Hours', measure: 1, values: [1.5, null] },
      ],
      split: false,
    });
  });

  it('draws a result without dimensions as one category', () => {
    assert.deepEqual(buildChartSeries([{ N: '7' }], [], ['N']).categories, ['All rows']);
  });

  it('makes the second dimension a series per value over the first, null where there is no row', () => {
    const set = buildChartSeries(rows, ['Month', 'Status'], ['Count']);
    assert.equal(set.split, true);
    assert.deepEqual(set.categories, ['2024-01-01', '2024-02-01', '2024-03-01']);
    assert.deepEqual(set.series, [
      { name: 'Closed', measure: 0, values: [12, 9, null] },
      { name: 'Open', measure: 0, values: [3, null, 4] },
      { name: 'Waiting', measure: 0, values: [null, 1, null] },
    ]);
  });

  it('names a series by value and measure when there are several measures', () => {
    const set = buildChartSeries(
      rows.map((r) => ({ ...r, Hours: '2' })),
      ['Month', 'Status'],
      ['Count', 'Hours'],
    );
    assert.deepEqual(
      set.series.map((s) => [s.name, s.measure]),
      [
        ['Closed · Count', 0],
        ['Open · Count', 0],
        ['Waiting · Count', 0],
        ['Closed · Hours', 1],
        ['Open · Hours', 1],
        ['Waiting · Hours', 1],
      ],
    );
  });

  it('joins the dimensions after the first into the series name, and adds up repeated cells', () => {
    const set = buildChartSeries(
      [
        { M: 'Jan', S: 'Open', P: '1', N: '2' },
        { M: 'Jan', S: 'Open', P: '2', N: '5' },
        { M: 'Jan', S: 'Open', P: '1', N: '1' },
      ],
      ['M', 'S', 'P'],
      ['N'],
    );
    assert.deepEqual(set.series, [
      { name: 'Open · 1', measure: 0, values: [3] },
      { name: 'Open · 2', measure: 0, values: [5] },
    ]);
  });
});
