import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Field } from '../../catalog/index.ts';
import { widgetRowsJson } from './widget-json.ts';

const col = (name: string, type: Field['type']): Field => ({ name, type, column: 'x' });

describe('widget values as strings', () => {
  it('writes every type as the widget displays it, missing values null', () => {
    const columns = [
      col('N', 'NUMBER'),
      col('T', 'TEXT'),
      col('B', 'BOOLEAN'),
      col('D', 'DATE'),
      col('At', 'DATETIME'),
    ];
    const rows = [
      [3n, 'Desk', 1n, '2023-01-01', 1675990228000n],
      [12.5, 'say "hi"', 0n, null, 1675990228120n],
      [null, null, null, null, null],
    ];
    assert.deepEqual(JSON.parse(widgetRowsJson(columns, rows)), [
      { N: '3', T: 'Desk', B: 'true', D: '2023-01-01', At: '2023-02-10T00:50:28Z' },
      { N: '12.5', T: 'say "hi"', B: 'false', D: null, At: '2023-02-10T00:50:28.120Z' },
      { N: null, T: null, B: null, D: null, At: null },
    ]);
  });

  it('numbers in shortest round-trip form; 64-bit integers exact', () => {
    const values = [1534956341424005122n, -9223372036854775808n, 0.1 + 0.2, 2.0, 1 / 3, 1e21, -0.5, 0n];
    const json = widgetRowsJson(
      [col('N', 'NUMBER')],
      values.map((v) => [v]),
    );
    assert.deepEqual(
      JSON.parse(json).map((r: { N: string }) => r.N),
      [
        '1534956341424005122',
        '-9223372036854775808',
        '0.30000000000000004',
        '2',
        '0.3333333333333333',
        '1e+21',
        '-0.5',
        '0',
      ],
    );
  });

  it('keeps column order even for labels that look like numbers, and reads only the columns', () => {
    const json = widgetRowsJson(
      [col('Board', 'TEXT'), col('2023', 'NUMBER'), col('1', 'NUMBER')],
      [['A', 1n, 2n, 99n]],
    );
    assert.equal(json, '[{"Board":"A","2023":"1","1":"2"}]');
  });

  it('an empty result is []', () => {
    assert.equal(widgetRowsJson([col('N', 'NUMBER')], []), '[]');
  });
});
