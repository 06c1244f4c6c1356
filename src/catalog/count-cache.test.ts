import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Field } from '../shared/field-types.ts';
import { COUNT_ENTRY_OVERHEAD, createCountCache, filtersKey } from './count-cache.ts';
import { parseQuery } from './filter/query-parser.ts';
import type { FilterNode } from './filter/filter-parser.ts';

describe('count cache', () => {
  it('holds no more bytes than its budget, dropping the least recently used', () => {
    const budget = 256 * 1024;
    const c = createCountCache(budget);
    const key = (i: number) => `ds_t\nselect count(*) from "ds_t" where "c" >= ?\n${i}`.padEnd(300, ' ');
    for (let i = 0; i < 1000; i++) {
      c.set(key(i), i);
      assert.ok(c.bytes <= budget, `${c.bytes} bytes after ${i + 1} counts`);
    }
    const perEntry = 2 * key(0).length + COUNT_ENTRY_OVERHEAD;
    assert.equal(c.size, Math.floor(budget / perEntry));
    assert.equal(c.get(key(999)), 999);
    assert.equal(c.get(key(0)), undefined);
  });

  it('refuses a key over a hundredth of the budget, and keeps what it holds', () => {
    const c = createCountCache(100_000);
    c.set('small', 1);
    c.set('x'.repeat(1000), 2);
    assert.equal(c.get('x'.repeat(1000)), undefined);
    assert.equal(c.get('small'), 1);
  });

  it('holds nothing with a budget of 0', () => {
    const c = createCountCache(0);
    c.set('k', 1);
    assert.equal(c.get('k'), undefined);
    assert.equal(c.bytes, 0);
  });
});

describe("an exact count's key", () => {
  const fields: Field[] = [
    { name: 'n', type: 'NUMBER', column: 'c0' },
    { name: 's', type: 'TEXT', column: 'c1' },
    { name: 'd', type: 'DATETIME', column: 'c2' },
  ];
  const table = { tableName: 'ds_1_v1' };
  const parsed = (qs: string): readonly FilterNode[] => {
    const p = parseQuery(Object.fromEntries(new URLSearchParams(qs)), fields, { maxSize: 100 });
    if (!p.ok) throw new Error(p.message);
    return p.query.filters;
  };
  const equals = (value: unknown, field = fields[0]): FilterNode[] => [
    { kind: 'equals', field, value: value as FilterNode extends { value: infer V } ? V : never },
  ];

  it('is the same for the same filters, whatever page, size or sort is asked with them', () => {
    const filters = 'n=5&s[contains]=printer&d=2024-01-01,2024-01-31';
    const key = filtersKey(table, parsed(filters));
    assert.equal(filtersKey(table, parsed(filters)), key);
    assert.equal(filtersKey(table, parsed(`${filters}&current=7&size=3&_sort=-n`)), key);
  });

  it('differs for different filters, values, fields or tables', () => {
    const keys = [
      filtersKey(table, parsed('n=5')),
      filtersKey(table, parsed('n=6')),
      filtersKey(table, parsed('n=5,6')),
      filtersKey(table, parsed('n[ne]=5')),
      filtersKey(table, parsed('s=5')),
      filtersKey(table, parsed('s[eq]=5')),
      filtersKey(table, parsed('s[contains]=printer')),
      filtersKey(table, parsed('s[contains]=Printer')),
      filtersKey(table, parsed('d=2024-01-01,2024-01-31')),
      filtersKey(table, parsed('d=2024-01-01,2024-02-01')),
      filtersKey({ tableName: 'ds_1_v2' }, parsed('n=5')),
    ];
    assert.equal(new Set(keys).size, keys.length, keys.join('\n---\n'));
  });

  it('tells apart the values JSON would write alike', () => {
    const keys = [5, 5n, '5', 0, -0, null, NaN, Infinity, -Infinity].map((v) => filtersKey(table, equals(v)));
    assert.equal(new Set(keys).size, keys.length, keys.join('\n'));
  });

  it('names a field by its column: the same value on another field is another key', () => {
    assert.notEqual(filtersKey(table, equals(5, fields[0])), filtersKey(table, equals(5, fields[1])));
  });
});
