import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Field } from '../types.ts';
import { parseScope } from './scope.ts';
import { filterFields } from './filter-parser.ts';

const FIELDS: readonly Field[] = [
  { name: 'company', type: 'TEXT', column: 'c0' },
  { name: 'priority', type: 'NUMBER', column: 'c1' },
  { name: 'code[in]', type: 'TEXT', column: 'c2' },
];

describe('a binding scope', () => {
  it('is every row when empty or blank', () => {
    for (const where of ['', '   ']) assert.deepEqual(parseScope(where, FIELDS), { ok: true, filters: [] });
  });

  it('parses to the filters of the filter language, operators included, ANDed', () => {
    const s = parseScope('company[eq]=Acme+Corp&priority=1,3&company=acme', FIELDS);
    assert.ok(s.ok);
    assert.deepEqual(
      s.filters.map((f) => [f.kind, filterFields(f)[0].name]),
      [
        ['equals', 'company'],
        ['ranges', 'priority'],
        ['contains', 'company'],
      ],
    );
    assert.equal(s.filters.length, 3);
  });

  it('refuses paging parameters and options, naming them', () => {
    for (const name of ['current', 'size', '_sort', '_fields']) {
      const s = parseScope(`${name}=1`, FIELDS);
      assert.ok(!s.ok);
      assert.equal(s.field, name);
      assert.match(s.message, /paging parameter or an option/);
    }
  });

  it('names the field that does not parse, without its operator, and keeps the parser message', () => {
    const cases: [string, string, RegExp][] = [
      ['company[eq]=Acme&nope[eq]=1', 'nope', /Unknown field "nope/],
      ['priority[ne]=abc', 'priority', /priority/],
      ['company=Acme&priority=x', 'priority', /priority/],
      ['code[in]=x&company[zz]=1', 'company', /Unknown operator "zz"/],
    ];
    for (const [where, field, msg] of cases) {
      const s = parseScope(where, FIELDS);
      assert.ok(!s.ok, where);
      assert.equal(s.field, field, where);
      assert.match(s.message, msg, where);
    }
    // A field whose real name ends in brackets is that field.
    assert.ok(parseScope('code[in]=A', FIELDS).ok);
  });
});
