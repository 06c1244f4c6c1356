import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Field } from '../types.ts';
import type { FilterNode, Range } from './filter-parser.ts';
import { MAX_CONTAINS_LENGTH, MAX_IN_VALUES, OPERATORS, operatorsFor } from './filter-parser.ts';
import type { Params } from './params.ts';
import type { ParsedQuery } from './query-parser.ts';
import { parseQuery } from './query-parser.ts';

const F = {
  id: { name: 'id', type: 'NUMBER', column: 'c0' },
  summary: { name: 'summary', type: 'TEXT', column: 'c1' },
  price: { name: 'price', type: 'NUMBER', column: 'c2' },
  isDefault: { name: 'is_default', type: 'BOOLEAN', column: 'c3' },
  date: { name: 'date', type: 'DATE', column: 'c4' },
  createdAt: { name: 'created_at', type: 'DATETIME', column: 'c5' },
  realName: { name: 'Real Name', type: 'TEXT', column: 'c6' },
  statusUpper: { name: 'Status', type: 'TEXT', column: 'c7' },
  statusLower: { name: 'status', type: 'TEXT', column: 'c8' },
  ownerId: { name: 'OwnerId', type: 'NUMBER', column: 'c9' },
} as const satisfies Record<string, Field>;
const FIELDS: readonly Field[] = Object.values(F);
const FIELD_LIST = FIELDS.map((f) => f.name).join(', ');
const OPTS = { maxSize: 1000 };

const utc = (s: string): number => Date.parse(s);
const DAY = 86_400_000;

function ok(params: Params, opts: { maxSize: number; defaultSize?: number } = OPTS): ParsedQuery {
  const r = parseQuery(params, FIELDS, opts);
  if (!r.ok) assert.fail(`expected ok, got: ${r.message}`);
  return r.query;
}

function err(params: Params, opts: { maxSize: number; defaultSize?: number } = OPTS): string {
  const r = parseQuery(params, FIELDS, opts);
  if (r.ok) assert.fail(`expected an error for ${JSON.stringify(params)}`);
  return r.message;
}

const ranges = (field: Field, ...rs: Range[]): FilterNode => ({ kind: 'ranges', field, ranges: rs });
const r = (lo: Range['lo'], hi: Range['hi']): Range => ({ lo, hi });
const rx = (lo: Range['lo'], hi: Range['hi']): Range => ({ lo, hi, hiExclusive: true });

describe('pagination', () => {
  const cases: {
    name: string;
    params: Params;
    opts?: { maxSize: number; defaultSize?: number };
    current: number;
    size: number;
  }[] = [
    { name: 'defaults', params: {}, current: 1, size: 10 },
    { name: 'explicit', params: { current: '3', size: '25' }, current: 3, size: 25 },
    { name: 'trimmed', params: { current: ' 2 ', size: '\t5 ' }, current: 2, size: 5 },
    { name: 'leading zeros', params: { current: '007', size: '010' }, current: 7, size: 10 },
    { name: 'size clamped to maxSize', params: { size: '5000' }, current: 1, size: 1000 },
    { name: 'size equal to maxSize', params: { size: '1000' }, current: 1, size: 1000 },
    { name: 'huge size clamped', params: { size: '99999999999999999999999' }, current: 1, size: 1000 },
    { name: 'custom maxSize', params: { size: '50' }, opts: { maxSize: 20 }, current: 1, size: 20 },
    { name: 'custom defaultSize', params: {}, opts: { maxSize: 100, defaultSize: 30 }, current: 1, size: 30 },
    { name: 'defaultSize above maxSize is clamped', params: {}, opts: { maxSize: 5 }, current: 1, size: 5 },
    { name: 'undefined values are absent', params: { current: undefined, size: undefined }, current: 1, size: 10 },
    { name: 'large page number', params: { current: '9007199254740991' }, current: 9007199254740991, size: 10 },
  ];
  for (const c of cases) {
    it(c.name, () => {
      const query = ok(c.params, c.opts);
      assert.equal(query.current, c.current);
      assert.equal(query.size, c.size);
      assert.deepEqual(query.filters, []);
      assert.deepEqual(query.sort, []);
      assert.equal(query.fields, null);
    });
  }

  const errors: { params: Params; message: string }[] = [
    { params: { size: '0' }, message: 'Parameter "size" must be an integer >= 1, got "0"' },
    { params: { current: '0' }, message: 'Parameter "current" must be an integer >= 1, got "0"' },
    { params: { current: '-1' }, message: 'Parameter "current" must be an integer >= 1, got "-1"' },
    { params: { size: 'abc' }, message: 'Parameter "size" must be an integer >= 1, got "abc"' },
    { params: { size: '1.5' }, message: 'Parameter "size" must be an integer >= 1, got "1.5"' },
    { params: { size: '1e3' }, message: 'Parameter "size" must be an integer >= 1, got "1e3"' },
    { params: { size: '+5' }, message: 'Parameter "size" must be an integer >= 1, got "+5"' },
    { params: { size: '0x10' }, message: 'Parameter "size" must be an integer >= 1, got "0x10"' },
    { params: { size: '' }, message: 'Parameter "size" must be an integer >= 1, got ""' },
    { params: { current: '  ' }, message: 'Parameter "current" must be an integer >= 1, got ""' },
    { params: { size: ['10', '20'] }, message: 'Parameter "size" is given more than once' },
    { params: { current: ['1', '2'] }, message: 'Parameter "current" is given more than once' },
    {
      params: { current: '9007199254740992' },
      message: 'Parameter "current" must be at most 9007199254740991, got "9007199254740992"',
    },
  ];
  for (const c of errors) {
    it(`rejects ${JSON.stringify(c.params)}`, () => assert.equal(err(c.params), c.message));
  }
});

describe('field name resolution', () => {
  const cases: { name: string; param: string; field: Field }[] = [
    { name: 'exact', param: 'summary', field: F.summary },
    { name: 'case-insensitive, unique', param: 'SUMMARY', field: F.summary },
    { name: 'case-insensitive, mixed', param: 'ownerid', field: F.ownerId },
    { name: 'exact wins over another case-insensitive match (Status)', param: 'Status', field: F.statusUpper },
    { name: 'exact wins over another case-insensitive match (status)', param: 'status', field: F.statusLower },
    { name: 'a name with a space', param: 'Real Name', field: F.realName },
    { name: 'a name with a space, case-insensitive', param: 'real name', field: F.realName },
  ];
  for (const c of cases) {
    it(c.name, () => {
      assert.deepEqual(ok({ [c.param]: '' }).filters, [{ kind: 'empty', field: c.field }]);
    });
  }

  it('ambiguous case-insensitive match is an error naming the candidates', () => {
    assert.equal(
      err({ STATUS: 'open' }),
      'Ambiguous field "STATUS": it matches "Status", "status"; use the exact name',
    );
  });

  it('unknown field lists the field names', () => {
    assert.equal(err({ foo: '1' }), `Unknown field "foo"; fields are: ${FIELD_LIST}`);
  });

  it('names are not trimmed or otherwise normalised', () => {
    assert.equal(err({ 'Real  Name': 'x' }), `Unknown field "Real  Name"; fields are: ${FIELD_LIST}`);
    assert.equal(err({ RealName: 'x' }), `Unknown field "RealName"; fields are: ${FIELD_LIST}`);
  });

  it('an empty parameter name is an unknown field', () => {
    assert.equal(err({ '': 'x' }), `Unknown field ""; fields are: ${FIELD_LIST}`);
  });

  it('a dataset without fields says so', () => {
    const r = parseQuery({ a: '1' }, [], OPTS);
    assert.deepEqual(r, { ok: false, message: 'Unknown field "a"; fields are: (none)' });
  });

  it('current and size are always pagination; another case of them is a field name', () => {
    const fields: Field[] = [{ name: 'size', type: 'NUMBER', column: 'c0' }];
    const r = parseQuery({ size: '5', Size: '7' }, fields, OPTS);
    assert.ok(r.ok);
    assert.equal(r.query.size, 5);
    assert.deepEqual(r.query.filters, [{ kind: 'equals', field: fields[0], value: 7 }]);
  });
});

describe('filters: every row of spec section 5', () => {
  const cases: { name: string; params: Params; filters: FilterNode[] }[] = [
    // Is Empty, every type.
    { name: 'TEXT is empty', params: { summary: '' }, filters: [{ kind: 'empty', field: F.summary }] },
    { name: 'NUMBER is empty', params: { price: '' }, filters: [{ kind: 'empty', field: F.price }] },
    { name: 'BOOLEAN is empty', params: { is_default: '' }, filters: [{ kind: 'empty', field: F.isDefault }] },
    { name: 'DATE is empty', params: { date: '' }, filters: [{ kind: 'empty', field: F.date }] },
    { name: 'DATETIME is empty', params: { created_at: '' }, filters: [{ kind: 'empty', field: F.createdAt }] },
    { name: 'white space only is empty', params: { price: '  \t ' }, filters: [{ kind: 'empty', field: F.price }] },

    // Contains (TEXT).
    {
      name: 'TEXT contains',
      params: { summary: 'Tod' },
      filters: [{ kind: 'contains', field: F.summary, value: 'Tod' }],
    },
    {
      name: 'TEXT commas are literal',
      params: { summary: 'a,b, c' },
      filters: [{ kind: 'contains', field: F.summary, value: 'a,b, c' }],
    },
    {
      name: 'TEXT is trimmed',
      params: { summary: '  Tod  ' },
      filters: [{ kind: 'contains', field: F.summary, value: 'Tod' }],
    },
    {
      name: 'TEXT keeps inner spaces',
      params: { 'Real Name': ' Tod  Smith ' },
      filters: [{ kind: 'contains', field: F.realName, value: 'Tod  Smith' }],
    },
    {
      name: 'TEXT wildcards are plain text',
      params: { summary: '100%_\\' },
      filters: [{ kind: 'contains', field: F.summary, value: '100%_\\' }],
    },

    // Equals (BOOLEAN, NUMBER single value).
    {
      name: 'BOOLEAN true',
      params: { is_default: 'true' },
      filters: [{ kind: 'equals', field: F.isDefault, value: true }],
    },
    {
      name: 'BOOLEAN TRUE',
      params: { is_default: 'TRUE' },
      filters: [{ kind: 'equals', field: F.isDefault, value: true }],
    },
    { name: 'BOOLEAN 1', params: { is_default: '1' }, filters: [{ kind: 'equals', field: F.isDefault, value: true }] },
    {
      name: 'BOOLEAN false',
      params: { is_default: 'False' },
      filters: [{ kind: 'equals', field: F.isDefault, value: false }],
    },
    {
      name: 'BOOLEAN 0',
      params: { is_default: ' 0 ' },
      filters: [{ kind: 'equals', field: F.isDefault, value: false }],
    },
    {
      name: 'NUMBER equals',
      params: { id: '654321324612312' },
      filters: [{ kind: 'equals', field: F.id, value: 654321324612312 }],
    },
    {
      name: 'NUMBER equals a decimal',
      params: { price: '12.6' },
      filters: [{ kind: 'equals', field: F.price, value: 12.6 }],
    },
    {
      name: 'NUMBER equals a negative',
      params: { price: '-3' },
      filters: [{ kind: 'equals', field: F.price, value: -3 }],
    },

    // Later than (>=).
    { name: 'NUMBER later than', params: { price: '12.6,' }, filters: [ranges(F.price, r(12.6, null))] },
    {
      name: 'DATE later than, single value',
      params: { date: '2022-07-01' },
      filters: [ranges(F.date, r('2022-07-01', null))],
    },
    {
      name: 'DATE later than, trailing comma',
      params: { date: '2022-07-01,' },
      filters: [ranges(F.date, r('2022-07-01', null))],
    },
    {
      name: 'DATETIME later than, a date is its midnight UTC',
      params: { created_at: '2022-07-01' },
      filters: [ranges(F.createdAt, r(utc('2022-07-01T00:00:00Z'), null))],
    },

    // Earlier than (<=).
    { name: 'NUMBER earlier than', params: { price: ',56.3' }, filters: [ranges(F.price, r(null, 56.3))] },
    { name: 'DATE earlier than', params: { date: ',2023-02-01' }, filters: [ranges(F.date, r(null, '2023-02-01'))] },
    {
      name: 'DATETIME earlier than a date covers that whole day',
      params: { created_at: ',2023-02-01' },
      filters: [ranges(F.createdAt, rx(null, utc('2023-02-02T00:00:00Z')))],
    },
    {
      name: 'DATETIME earlier than a date-time is inclusive',
      params: { created_at: ',2023-02-01T10:00:00Z' },
      filters: [ranges(F.createdAt, r(null, utc('2023-02-01T10:00:00Z')))],
    },

    // Between.
    { name: 'NUMBER between', params: { price: '12.6,56.3' }, filters: [ranges(F.price, r(12.6, 56.3))] },
    {
      name: 'DATE between',
      params: { date: '2022-07-01,2023-02-01' },
      filters: [ranges(F.date, r('2022-07-01', '2023-02-01'))],
    },
    {
      name: 'DATETIME between two dates',
      params: { created_at: '2022-07-01,2023-02-01' },
      filters: [ranges(F.createdAt, rx(utc('2022-07-01T00:00:00Z'), utc('2023-02-02T00:00:00Z')))],
    },
    {
      name: 'DATETIME between two date-times with offsets',
      params: { created_at: '2023-02-01T10:00:00+02:00,2023-02-01 12:30:00' },
      filters: [ranges(F.createdAt, r(utc('2023-02-01T08:00:00Z'), utc('2023-02-01T12:30:00Z')))],
    },
    { name: 'parts are trimmed', params: { price: ' 12.6 , 56.3 ' }, filters: [ranges(F.price, r(12.6, 56.3))] },

    // Several intervals, ORed.
    {
      name: 'NUMBER several intervals',
      params: { price: '12.6,56.3,103,210' },
      filters: [ranges(F.price, r(12.6, 56.3), r(103, 210))],
    },
    {
      name: 'DATE several intervals',
      params: { date: '2022-07-01,2023-02-01,2023-04-01,2023-05-01' },
      filters: [ranges(F.date, r('2022-07-01', '2023-02-01'), r('2023-04-01', '2023-05-01'))],
    },
    {
      name: 'open-ended intervals mixed',
      params: { price: ',0,100,' },
      filters: [ranges(F.price, r(null, 0), r(100, null))],
    },

    // Intervals and a last lone value.
    {
      name: 'NUMBER lone last value means =',
      params: { price: '12.6,56.3,105.1' },
      filters: [ranges(F.price, r(12.6, 56.3), r(105.1, 105.1))],
    },
    {
      name: 'DATE lone last value means >=',
      params: { date: '2022-07-01,2023-02-01,2023-04-01' },
      filters: [ranges(F.date, r('2022-07-01', '2023-02-01'), r('2023-04-01', null))],
    },
    {
      name: 'DATETIME lone last value means >=',
      params: { created_at: '2022-07-01,2023-02-01,2023-04-01T06:00:00Z' },
      filters: [
        ranges(
          F.createdAt,
          rx(utc('2022-07-01T00:00:00Z'), utc('2023-02-02T00:00:00Z')),
          r(utc('2023-04-01T06:00:00Z'), null),
        ),
      ],
    },

    // 64-bit integers stay exact.
    {
      name: 'NUMBER 64-bit upper bound',
      params: { id: ',1534956341424005122' },
      filters: [ranges(F.id, r(null, 1534956341424005122n))],
    },
    {
      name: 'NUMBER 64-bit equals',
      params: { id: '1534956341424005123' },
      filters: [{ kind: 'equals', field: F.id, value: 1534956341424005123n }],
    },
    {
      name: 'NUMBER largest safe integer is a number',
      params: { id: '9007199254740991' },
      filters: [{ kind: 'equals', field: F.id, value: 9007199254740991 }],
    },
    {
      name: 'NUMBER beyond safe is a bigint',
      params: { id: '9007199254740992' },
      filters: [{ kind: 'equals', field: F.id, value: 9007199254740992n }],
    },
    {
      name: 'NUMBER int64 max',
      params: { id: '9223372036854775807' },
      filters: [{ kind: 'equals', field: F.id, value: 9223372036854775807n }],
    },
    {
      name: 'NUMBER int64 min',
      params: { id: '-9223372036854775808' },
      filters: [{ kind: 'equals', field: F.id, value: -9223372036854775808n }],
    },

    // Combinations.
    {
      name: 'different fields are ANDed, in parameter order',
      params: { summary: 'printer', price: ',20' },
      filters: [{ kind: 'contains', field: F.summary, value: 'printer' }, ranges(F.price, r(null, 20))],
    },
    {
      name: 'a repeated field is ANDed',
      params: { price: ['10,60', ',13'] },
      filters: [ranges(F.price, r(10, 60)), ranges(F.price, r(null, 13))],
    },
    {
      name: 'a repeated TEXT field, one empty',
      params: { summary: ['a', ''] },
      filters: [
        { kind: 'contains', field: F.summary, value: 'a' },
        { kind: 'empty', field: F.summary },
      ],
    },
    {
      name: 'case-insensitive and exact names of one field both apply',
      params: { summary: 'a', SUMMARY: 'b' },
      filters: [
        { kind: 'contains', field: F.summary, value: 'a' },
        { kind: 'contains', field: F.summary, value: 'b' },
      ],
    },
  ];
  for (const c of cases) {
    it(c.name, () => assert.deepEqual(ok(c.params).filters, c.filters));
  }

  it('a DATE upper bound on DATETIME includes 23:59:59.999 and excludes the next midnight', () => {
    const [node] = ok({ created_at: ',2023-02-01' }).filters;
    assert.equal(node.kind, 'ranges');
    const [{ hi, hiExclusive }] = node.ranges;
    assert.equal(hiExclusive, true);
    assert.ok(utc('2023-02-01T23:59:59.999Z') < (hi as number));
    assert.equal(hi, utc('2023-02-01T00:00:00Z') + DAY);
  });
});

describe('filter value errors name the field and the value', () => {
  const cases: { params: Params; message: string }[] = [
    { params: { price: 'abc' }, message: 'Invalid value "abc" for NUMBER field "price": expected a number' },
    {
      params: { price: '1,2,x' },
      message: 'Invalid value "x" for NUMBER field "price": expected a number (in "1,2,x")',
    },
    { params: { price: 'NaN' }, message: 'Invalid value "NaN" for NUMBER field "price": expected a number' },
    { params: { price: 'Infinity' }, message: 'Invalid value "Infinity" for NUMBER field "price": expected a number' },
    {
      params: { price: '-Infinity' },
      message: 'Invalid value "-Infinity" for NUMBER field "price": expected a number',
    },
    { params: { price: '0x1F' }, message: 'Invalid value "0x1F" for NUMBER field "price": expected a number' },
    { params: { price: '1e999' }, message: 'Invalid value "1e999" for NUMBER field "price": expected a number' },
    { params: { price: '1 000' }, message: 'Invalid value "1 000" for NUMBER field "price": expected a number' },
    { params: { price: '12.6.1' }, message: 'Invalid value "12.6.1" for NUMBER field "price": expected a number' },
    {
      params: { price: ',' },
      message: 'Invalid value "," for NUMBER field "price": an interval needs at least one bound',
    },
    {
      params: { price: '1,2, , ' },
      message: 'Invalid value "1,2, ," for NUMBER field "price": an interval needs at least one bound',
    },
    {
      params: { price: '1,2,' },
      message: 'Invalid value "1,2," for NUMBER field "price": the last value after the intervals is empty',
    },
    {
      params: { id: '9223372036854775808' },
      message: 'Invalid value "9223372036854775808" for NUMBER field "id": integer out of the 64-bit range',
    },
    {
      params: { id: ',-9223372036854775809' },
      message:
        'Invalid value "-9223372036854775809" for NUMBER field "id": integer out of the 64-bit range (in ' +
        '",-9223372036854775809")',
    },
    {
      params: { is_default: 'maybe' },
      message: 'Invalid value "maybe" for BOOLEAN field "is_default": expected true, false, 1 or 0',
    },
    {
      params: { is_default: 'yes' },
      message: 'Invalid value "yes" for BOOLEAN field "is_default": expected true, false, 1 or 0',
    },
    {
      params: { is_default: 'true,false' },
      message: 'Invalid value "true,false" for BOOLEAN field "is_default": expected true, false, 1 or 0',
    },
    {
      params: { date: '2023-13-45' },
      message: 'Invalid value "2023-13-45" for DATE field "date": expected a date YYYY-MM-DD',
    },
    {
      params: { date: '2023-02-30' },
      message: 'Invalid value "2023-02-30" for DATE field "date": expected a date YYYY-MM-DD',
    },
    {
      params: { date: '2022-07-01,2023-02-29' },
      message:
        'Invalid value "2023-02-29" for DATE field "date": expected a date YYYY-MM-DD (in "2022-07-01,2023-02-29")',
    },
    {
      params: { date: '2023-2-1' },
      message: 'Invalid value "2023-2-1" for DATE field "date": expected a date YYYY-MM-DD',
    },
    {
      params: { date: '2023-02-01T10:00:00Z' },
      message: 'Invalid value "2023-02-01T10:00:00Z" for DATE field "date": expected a date YYYY-MM-DD',
    },
    { params: { date: ',' }, message: 'Invalid value "," for DATE field "date": an interval needs at least one bound' },
    {
      params: { created_at: '2023-02-01T25:00:00Z' },
      message:
        'Invalid value "2023-02-01T25:00:00Z" for DATETIME field "created_at": expected an ISO 8601 date-time ' +
        'such as 2023-02-01T10:00:00Z, YYYY-MM-DD HH:mm:ss (UTC) or a date YYYY-MM-DD',
    },
    {
      params: { Status: '', 'Real Name': 'ok', OwnerId: '1..2' },
      message: 'Invalid value "1..2" for NUMBER field "OwnerId": expected a number',
    },
    { params: { ownerid: 'x' }, message: 'Invalid value "x" for NUMBER field "OwnerId": expected a number' },
  ];
  for (const c of cases) {
    it(`rejects ${JSON.stringify(c.params)}`, () => assert.equal(err(c.params), c.message));
  }

  it('every DATETIME error names the field and value', () => {
    for (const bad of [
      '2023-13-01',
      '2023-02-30 10:00:00',
      '2023-02-01T10:60:00Z',
      '2023-02-01T10:00:60Z',
      '2023-02-01T10:00:00+24:00',
      'yesterday',
      '1675245600000',
    ]) {
      const message = err({ created_at: `,${bad}` });
      assert.ok(message.startsWith(`Invalid value ${JSON.stringify(bad)} for DATETIME field "created_at"`), message);
    }
  });

  it('quotes and control characters in values are escaped, long values cut', () => {
    assert.equal(err({ price: 'a"b\nc' }), 'Invalid value "a\\"b\\nc" for NUMBER field "price": expected a number');
    const long = 'x'.repeat(5000);
    const message = err({ price: long });
    assert.ok(message.length < 250, `message length ${message.length}`);
    assert.ok(message.includes(`"${'x'.repeat(100)}…"`));
  });
});

describe('NUL characters are refused in every parameter, naming it', () => {
  const nul = 'contains a NUL character (U+0000), which text values cannot hold';
  const cases: { params: Params; message: string }[] = [
    { params: { summary: 'a\0b' }, message: `Parameter "summary" ${nul}` },
    { params: { summary: ['ok', '\0'] }, message: `Parameter "summary" ${nul}` },
    { params: { price: '1\0' }, message: `Parameter "price" ${nul}` },
    { params: { _sort: 'id\0' }, message: `Parameter "_sort" ${nul}` },
    { params: { size: '\0' }, message: `Parameter "size" ${nul}` },
    { params: { 'sum\0mary': 'x' }, message: `A parameter name ${nul}: "sum\\u0000mary"` },
    // Checked before any other rule, so an earlier bad parameter does not hide it.
    { params: { nosuch: 'x', summary: '\0' }, message: `Parameter "summary" ${nul}` },
  ];
  for (const c of cases) {
    it(`rejects ${JSON.stringify(c.params)}`, () => assert.equal(err(c.params), c.message));
  }

  it('other control characters are still accepted in TEXT filters', () => {
    assert.deepEqual(ok({ summary: 'a\u0001b' }).filters, [{ kind: 'contains', field: F.summary, value: 'a\u0001b' }]);
  });
});

describe('options', () => {
  it('_sort: ascending, descending, resolved like filter names, trimmed', () => {
    assert.deepEqual(ok({ _sort: '-price, ID ,- Real Name' }).sort, [
      { field: F.price, asc: false },
      { field: F.id, asc: true },
      { field: F.realName, asc: false },
    ]);
  });

  it('empty _sort and _fields mean natural order and all fields', () => {
    const q = ok({ _sort: '', _fields: '  ' });
    assert.deepEqual(q.sort, []);
    assert.equal(q.fields, null);
  });

  it('_fields: in the given order, resolved like filter names', () => {
    assert.deepEqual(ok({ _fields: 'summary, id,real name' }).fields, [F.summary, F.id, F.realName]);
  });

  it('options and filters together', () => {
    const q = ok({ current: '2', size: '3', _sort: 'id', _fields: 'id', price: '1' });
    assert.deepEqual(q, {
      current: 2,
      size: 3,
      filters: [{ kind: 'equals', field: F.price, value: 1 }],
      sort: [{ field: F.id, asc: true }],
      fields: [F.id],
      numbersAsText: false,
    });
  });

  const errors: { params: Params; message: string }[] = [
    { params: { _foo: '1' }, message: 'Unknown option "_foo"; options are: _sort, _fields, _numbers' },
    { params: { _: '1' }, message: 'Unknown option "_"; options are: _sort, _fields, _numbers' },
    { params: { _SORT: 'id' }, message: 'Unknown option "_SORT"; options are: _sort, _fields, _numbers' },
    { params: { _id: '1' }, message: 'Unknown option "_id"; options are: _sort, _fields, _numbers' },
    { params: { _sort: 'foo' }, message: `Unknown field "foo" in option "_sort"; fields are: ${FIELD_LIST}` },
    { params: { _sort: '-foo' }, message: `Unknown field "foo" in option "_sort"; fields are: ${FIELD_LIST}` },
    {
      params: { _sort: 'STATUS' },
      message: 'Ambiguous field "STATUS" in option "_sort": it matches "Status", "status"; use the exact name',
    },
    { params: { _sort: 'id,' }, message: 'Option "_sort" has an empty field name in "id,"' },
    { params: { _sort: '-' }, message: 'Option "_sort" has an empty field name in "-"' },
    { params: { _sort: 'id,-ID' }, message: 'Option "_sort" names field "id" more than once' },
    { params: { _sort: ['id', 'price'] }, message: 'Parameter "_sort" is given more than once' },
    { params: { _fields: 'id,foo' }, message: `Unknown field "foo" in option "_fields"; fields are: ${FIELD_LIST}` },
    { params: { _fields: 'id,,price' }, message: 'Option "_fields" has an empty field name in "id,,price"' },
    { params: { _fields: 'id,price,ID' }, message: 'Option "_fields" names field "id" more than once' },
    { params: { _fields: ['id', 'price'] }, message: 'Parameter "_fields" is given more than once' },
  ];
  for (const c of errors) {
    it(`rejects ${JSON.stringify(c.params)}`, () => assert.equal(err(c.params), c.message));
  }
});

describe('results are frozen', () => {
  it('the result, query, nodes, ranges, sort and fields are frozen', () => {
    const result = parseQuery(
      { price: '1,2', created_at: ',2023-02-01', summary: 'a', _sort: 'id', _fields: 'id' },
      FIELDS,
      OPTS,
    );
    assert.ok(result.ok);
    const q = result.query;
    const frozen: unknown[] = [result, q, q.filters, q.sort, q.fields, ...q.filters, ...q.sort];
    for (const node of q.filters) if (node.kind === 'ranges') frozen.push(node.ranges, ...node.ranges);
    for (const o of frozen)
      assert.ok(
        Object.isFrozen(o),
        JSON.stringify(o, (_k, v) => (typeof v === 'bigint' ? String(v) : v)),
      );
    assert.ok(Object.isFrozen(parseQuery({ size: 'x' }, FIELDS, OPTS)));
  });

  it("does not freeze or change the caller's fields", () => {
    const fields: Field[] = [{ name: 'a', type: 'TEXT', column: 'c0' }];
    parseQuery({ a: 'x' }, fields, OPTS);
    assert.equal(Object.isFrozen(fields), false);
    assert.equal(Object.isFrozen(fields[0]), false);
  });
});

describe('the length of a text filter', () => {
  it('takes up to MAX_CONTAINS_LENGTH characters and refuses one more, naming the field', () => {
    const longest = 'é'.repeat(MAX_CONTAINS_LENGTH);
    assert.deepEqual(ok({ summary: longest }).filters, [{ kind: 'contains', field: F.summary, value: longest }]);
    assert.equal(
      err({ summary: 'x'.repeat(MAX_CONTAINS_LENGTH + 1) }),
      `Filter "summary" is longer than ${MAX_CONTAINS_LENGTH} characters; a text filter holds at ` +
        `most ${MAX_CONTAINS_LENGTH}`,
    );
  });
});

describe('operators in brackets after the field name (spec section 8)', () => {
  const DAY_RANGE = (iso: string): Range => ({ lo: utc(iso), hi: utc(iso) + DAY, hiExclusive: true });
  const cases: { name: string; params: Params; filters: FilterNode[] }[] = [
    {
      name: 'TEXT [eq] is equals, trimmed',
      params: { 'summary[eq]': ' Acme Corp ' },
      filters: [{ kind: 'equals', field: F.summary, value: 'Acme Corp' }],
    },
    {
      name: 'TEXT [eq] keeps commas and backslashes',
      params: { 'summary[eq]': 'a,b\\,c\\' },
      filters: [{ kind: 'equals', field: F.summary, value: 'a,b\\,c\\' }],
    },
    {
      name: '[eq] empty is "is empty"',
      params: { 'summary[eq]': ' ' },
      filters: [{ kind: 'empty', field: F.summary }],
    },
    {
      name: '[ne] is not [eq]',
      params: { 'summary[ne]': 'Closed' },
      filters: [{ kind: 'not', field: F.summary, node: { kind: 'equals', field: F.summary, value: 'Closed' } }],
    },
    {
      name: '[ne] empty is "is not empty"',
      params: { 'price[ne]': '' },
      filters: [{ kind: 'not', field: F.price, node: { kind: 'empty', field: F.price } }],
    },
    {
      name: 'TEXT [in]',
      params: { 'summary[in]': 'Open, New ' },
      filters: [{ kind: 'in', field: F.summary, values: ['Open', 'New'] }],
    },
    {
      name: '[in] one value',
      params: { 'summary[in]': 'Open' },
      filters: [{ kind: 'in', field: F.summary, values: ['Open'] }],
    },
    {
      name: '[in] escapes',
      params: { 'summary[in]': 'a\\,b,c\\\\,d\\\\\\,e' },
      filters: [{ kind: 'in', field: F.summary, values: ['a,b', 'c\\', 'd\\,e'] }],
    },
    {
      name: '[in] empty item',
      params: { 'summary[in]': 'a,' },
      filters: [
        {
          kind: 'any',
          field: F.summary,
          nodes: [
            { kind: 'in', field: F.summary, values: ['a'] },
            { kind: 'empty', field: F.summary },
          ],
        },
      ],
    },
    { name: '[in] empty', params: { 'summary[in]': '' }, filters: [{ kind: 'empty', field: F.summary }] },
    {
      name: '[contains] is the rule without operator',
      params: { 'summary[contains]': ' Tod ' },
      filters: [{ kind: 'contains', field: F.summary, value: 'Tod' }],
    },
    {
      name: '[contains] keeps commas',
      params: { 'summary[contains]': 'a,b' },
      filters: [{ kind: 'contains', field: F.summary, value: 'a,b' }],
    },
    { name: '[contains] empty', params: { 'summary[contains]': '' }, filters: [{ kind: 'empty', field: F.summary }] },
    {
      name: 'NUMBER [eq] 64-bit',
      params: { 'id[eq]': '1534956341424005122' },
      filters: [{ kind: 'equals', field: F.id, value: 1534956341424005122n }],
    },
    {
      name: 'NUMBER [in]',
      params: { 'price[in]': '12.6, -5,1e2' },
      filters: [{ kind: 'in', field: F.price, values: [12.6, -5, 100] }],
    },
    {
      name: 'BOOLEAN [eq]',
      params: { 'is_default[eq]': 'TRUE' },
      filters: [{ kind: 'equals', field: F.isDefault, value: true }],
    },
    {
      name: 'BOOLEAN [in]',
      params: { 'is_default[in]': '0,true' },
      filters: [{ kind: 'in', field: F.isDefault, values: [false, true] }],
    },
    {
      name: 'DATE [eq]',
      params: { 'date[eq]': '2023-02-01' },
      filters: [{ kind: 'equals', field: F.date, value: '2023-02-01' }],
    },
    {
      name: 'DATE [ne]',
      params: { 'date[ne]': '2023-02-01' },
      filters: [{ kind: 'not', field: F.date, node: { kind: 'equals', field: F.date, value: '2023-02-01' } }],
    },
    {
      name: 'DATETIME [eq] an instant',
      params: { 'created_at[eq]': '2023-02-01T10:00:00+02:00' },
      filters: [{ kind: 'equals', field: F.createdAt, value: utc('2023-02-01T08:00:00Z') }],
    },
    {
      name: 'DATETIME [eq] a date is its UTC day',
      params: { 'created_at[eq]': '2023-02-01' },
      filters: [{ kind: 'ranges', field: F.createdAt, ranges: [DAY_RANGE('2023-02-01T00:00:00Z')] }],
    },
    {
      name: 'DATETIME [in] instants, days and empty',
      params: { 'created_at[in]': '2023-02-01,2023-02-01 10:00:00,,2023-03-01' },
      filters: [
        {
          kind: 'any',
          field: F.createdAt,
          nodes: [
            { kind: 'in', field: F.createdAt, values: [utc('2023-02-01T10:00:00Z')] },
            {
              kind: 'ranges',
              field: F.createdAt,
              ranges: [DAY_RANGE('2023-02-01T00:00:00Z'), DAY_RANGE('2023-03-01T00:00:00Z')],
            },
            { kind: 'empty', field: F.createdAt },
          ],
        },
      ],
    },
    {
      name: 'a repeated parameter with an operator is ANDed',
      params: { 'summary[ne]': ['a', 'b'] },
      filters: [
        { kind: 'not', field: F.summary, node: { kind: 'equals', field: F.summary, value: 'a' } },
        { kind: 'not', field: F.summary, node: { kind: 'equals', field: F.summary, value: 'b' } },
      ],
    },
    {
      name: 'the field name is resolved case-insensitively',
      params: { 'REAL NAME[eq]': 'x' },
      filters: [{ kind: 'equals', field: F.realName, value: 'x' }],
    },
    {
      name: 'exact name first among case variants',
      params: { 'Status[eq]': 'x' },
      filters: [{ kind: 'equals', field: F.statusUpper, value: 'x' }],
    },
  ];
  for (const c of cases) {
    it(c.name, () => assert.deepEqual(ok(c.params).filters, c.filters));
  }

  it('names with and without an operator: the same field, ANDed in parameter order', () => {
    assert.deepEqual(ok({ summary: 'a', 'summary[eq]': 'b' }).filters, [
      { kind: 'contains', field: F.summary, value: 'a' },
      { kind: 'equals', field: F.summary, value: 'b' },
    ]);
  });

  it('the nodes of operators are frozen', () => {
    const q = ok({ 'created_at[in]': '2023-02-01,2023-02-01 10:00:00,', 'summary[ne]': 'x', 'id[in]': '1,2' });
    const frozen: unknown[] = [];
    const walk = (n: FilterNode): void => {
      frozen.push(n);
      if (n.kind === 'any') {
        frozen.push(n.nodes);
        n.nodes.forEach(walk);
      }
      if (n.kind === 'not') walk(n.node);
      if (n.kind === 'in') frozen.push(n.values);
      if (n.kind === 'ranges') frozen.push(n.ranges, ...n.ranges);
    };
    q.filters.forEach(walk);
    assert.ok(frozen.length >= 10);
    for (const o of frozen) assert.ok(Object.isFrozen(o), JSON.stringify(o));
  });

  describe('a field whose real name ends in brackets matches by that name first', () => {
    const B = {
      plain: { name: 'tag', type: 'TEXT', column: 'c0' },
      eq: { name: 'tag[eq]', type: 'TEXT', column: 'c1' },
      nested: { name: 'a[b]', type: 'NUMBER', column: 'c2' },
      current: { name: 'current', type: 'NUMBER', column: 'c3' },
    } as const satisfies Record<string, Field>;
    const fields: Field[] = Object.values(B);
    const parse = (params: Params) => {
      const r = parseQuery(params, fields, OPTS);
      if (!r.ok) assert.fail(r.message);
      return r.query.filters;
    };
    it('the exact name is the field, no operator', () => {
      assert.deepEqual(parse({ 'tag[eq]': 'x' }), [{ kind: 'contains', field: B.eq, value: 'x' }]);
    });
    it('so is the name case-insensitively', () => {
      assert.deepEqual(parse({ 'TAG[EQ]': 'x' }), [{ kind: 'contains', field: B.eq, value: 'x' }]);
    });
    it('an operator after such a name', () => {
      assert.deepEqual(parse({ 'tag[eq][eq]': 'x' }), [{ kind: 'equals', field: B.eq, value: 'x' }]);
      assert.deepEqual(parse({ 'a[b][in]': '1,2' }), [{ kind: 'in', field: B.nested, values: [1, 2] }]);
    });
    it('another operator on the field without brackets', () => {
      assert.deepEqual(parse({ 'tag[ne]': 'x' }), [
        { kind: 'not', field: B.plain, node: { kind: 'equals', field: B.plain, value: 'x' } },
      ]);
    });
    it('"current" and "size" are paging, but with an operator they name a field', () => {
      const r = parseQuery({ current: '2', 'current[eq]': '7' }, fields, OPTS);
      assert.ok(r.ok);
      assert.equal(r.query.current, 2);
      assert.deepEqual(r.query.filters, [{ kind: 'equals', field: B.current, value: 7 }]);
    });
  });

  describe('errors name the parameter, the operator or the value', () => {
    const ops = 'operators are: eq, ne, in, contains';
    const cases: { params: Params; message: string }[] = [
      { params: { 'summary[bogus]': 'x' }, message: `Unknown operator "bogus" in "summary[bogus]"; ${ops}` },
      { params: { 'summary[EQ]': 'x' }, message: `Unknown operator "EQ" in "summary[EQ]"; ${ops}` },
      { params: { 'summary[]': 'x' }, message: `Unknown operator "" in "summary[]"; ${ops}` },
      { params: { 'summary[gt]': '1' }, message: `Unknown operator "gt" in "summary[gt]"; ${ops}` },
      { params: { 'summary[ eq ]': 'x' }, message: `Unknown operator " eq " in "summary[ eq ]"; ${ops}` },
      { params: { 'summary[eq]x': 'x' }, message: `Unknown field "summary[eq]x"; fields are: ${FIELD_LIST}` },
      { params: { 'summary[eq': 'x' }, message: `Unknown field "summary[eq"; fields are: ${FIELD_LIST}` },
      { params: { 'summary]': 'x' }, message: `Unknown field "summary]"; fields are: ${FIELD_LIST}` },
      { params: { 'summary[e]q]': 'x' }, message: `Unknown field "summary[e]q]"; fields are: ${FIELD_LIST}` },
      { params: { '[eq]': 'x' }, message: `Unknown field "[eq]"; fields are: ${FIELD_LIST}` },
      { params: { 'nosuch[bogus]': 'x' }, message: `Unknown field "nosuch[bogus]"; fields are: ${FIELD_LIST}` },
      { params: { 'nosuch[eq]': 'x' }, message: `Unknown field "nosuch" in "nosuch[eq]"; fields are: ${FIELD_LIST}` },
      {
        params: { 'summary[eq][ne]': 'x' },
        message: `Unknown field "summary[eq]" in "summary[eq][ne]"; fields are: ${FIELD_LIST}`,
      },
      {
        params: { 'summary [eq]': 'x' },
        message: `Unknown field "summary " in "summary [eq]"; fields are: ${FIELD_LIST}`,
      },
      {
        params: { 'STATUS[eq]': 'x' },
        message: 'Ambiguous field "STATUS" in "STATUS[eq]": it matches "Status", "status"; use the exact name',
      },
      {
        params: { 'price[contains]': '1' },
        message:
          'Operator "contains" in "price[contains]" does not apply to NUMBER field "price"; NUMBER fields take: ' +
          'eq, ne, in',
      },
      {
        params: { 'is_default[contains]': 'x' },
        message:
          'Operator "contains" in "is_default[contains]" does not apply to BOOLEAN field "is_default"; BOOLEAN ' +
          'fields take: eq, ne, in',
      },
      {
        params: { 'date[contains]': '2023' },
        message:
          'Operator "contains" in "date[contains]" does not apply to DATE field "date"; DATE fields take: eq, ne, in',
      },
      {
        params: { 'created_at[contains]': '' },
        message:
          'Operator "contains" in "created_at[contains]" does not apply to DATETIME field "created_at"; ' +
          'DATETIME fields take: eq, ne, in',
      },
      { params: { 'price[eq]': 'abc' }, message: 'Invalid value "abc" for NUMBER field "price": expected a number' },
      {
        params: { 'price[eq]': '12.6,56.3' },
        message: 'Invalid value "12.6,56.3" for NUMBER field "price": expected one value; [in] takes a list',
      },
      {
        params: { 'price[ne]': '1,' },
        message: 'Invalid value "1," for NUMBER field "price": expected one value; [in] takes a list',
      },
      {
        params: { 'is_default[eq]': 'true,false' },
        message: 'Invalid value "true,false" for BOOLEAN field "is_default": expected one value; [in] takes a list',
      },
      {
        params: { 'date[eq]': '2023-01-01,' },
        message: 'Invalid value "2023-01-01," for DATE field "date": expected one value; [in] takes a list',
      },
      {
        params: { 'id[eq]': '9223372036854775808' },
        message: 'Invalid value "9223372036854775808" for NUMBER field "id": integer out of the 64-bit range',
      },
      {
        params: { 'price[in]': '1,x,3' },
        message: 'Invalid value "x" for NUMBER field "price": expected a number (in "1,x,3")',
      },
      {
        params: { 'is_default[in]': 'true,maybe' },
        message: 'Invalid value "maybe" for BOOLEAN field "is_default": expected true, false, 1 or 0 (in "true,maybe")',
      },
      {
        params: { 'date[eq]': '2023-02-01T10:00:00Z' },
        message: 'Invalid value "2023-02-01T10:00:00Z" for DATE field "date": expected a date YYYY-MM-DD',
      },
      {
        params: { 'date[in]': '2023-02-01,2023-02-30' },
        message:
          'Invalid value "2023-02-30" for DATE field "date": expected a date YYYY-MM-DD (in "2023-02-01,2023-02-30")',
      },
      {
        params: { 'created_at[ne]': 'yesterday' },
        message:
          'Invalid value "yesterday" for DATETIME field "created_at": expected an ISO 8601 date-time such as ' +
          '2023-02-01T10:00:00Z, YYYY-MM-DD HH:mm:ss (UTC) or a date YYYY-MM-DD',
      },
      {
        params: { 'price[in]': '1\\,5' },
        message: 'Invalid value "1,5" for NUMBER field "price": expected a number (in "1\\\\,5")',
      },
      {
        params: { 'summary[in]': 'a\\b' },
        message:
          'Invalid escape "\\\\b" in [in] list of field "summary": write \\, for a comma and \\\\ for a ' +
          'backslash (in "a\\\\b")',
      },
      {
        params: { 'summary[in]': 'a,b\\' },
        message:
          'Invalid escape "\\\\" in [in] list of field "summary": write \\, for a comma and \\\\ for a ' +
          'backslash (in "a,b\\\\")',
      },
      {
        params: { 'summary[in]': 'C:\\dir' },
        message:
          'Invalid escape "\\\\d" in [in] list of field "summary": write \\, for a comma and \\\\ for a ' +
          'backslash (in "C:\\\\dir")',
      },
      {
        params: { 'summary[in]': 'a\\🙂' },
        message:
          'Invalid escape "\\\\🙂" in [in] list of field "summary": write \\, for a comma and \\\\ for a ' +
          'backslash (in "a\\\\🙂")',
      },
      {
        params: { 'summary[eq]': 'a\0' },
        message: 'Parameter "summary[eq]" contains a NUL character (U+0000), which text values cannot hold',
      },
      {
        params: { 'summary[in]': ['a', 'b\0'] },
        message: 'Parameter "summary[in]" contains a NUL character (U+0000), which text values cannot hold',
      },
      {
        params: { 'summary[e\0q]': 'a' },
        message:
          'A parameter name contains a NUL character (U+0000), which text values cannot hold: "summary[e\\u0000q]"',
      },
      // Parameters are read in order: the first mistake is the one named.
      {
        params: { 'summary[eq]': 'ok', 'price[bogus]': '1', nosuch: 'x' },
        message: `Unknown operator "bogus" in "price[bogus]"; ${ops}`,
      },
    ];
    for (const c of cases) {
      it(`rejects ${JSON.stringify(c.params)}`, () => assert.equal(err(c.params), c.message));
    }

    it(`an [in] list holds up to MAX_IN_VALUES (${MAX_IN_VALUES}) values and refuses one more`, () => {
      const values = Array.from({ length: MAX_IN_VALUES }, (_, i) => i);
      assert.deepEqual(ok({ 'price[in]': values.join(',') }).filters, [{ kind: 'in', field: F.price, values }]);
      assert.equal(
        err({ 'price[in]': [...values, MAX_IN_VALUES].join(',') }),
        `Filter "price" lists more than ${MAX_IN_VALUES} values; an [in] list holds at most ${MAX_IN_VALUES}`,
      );
      assert.match(err({ 'summary[in]': ','.repeat(1_000_000) }), /^Filter "summary" lists more than 500 values/);
    });

    it('a TEXT value with an operator holds at most MAX_CONTAINS_LENGTH characters, each [in] item too', () => {
      const longest = 'é'.repeat(MAX_CONTAINS_LENGTH);
      assert.deepEqual(ok({ 'summary[eq]': longest }).filters, [{ kind: 'equals', field: F.summary, value: longest }]);
      const tooLong =
        `Filter "summary" is longer than ${MAX_CONTAINS_LENGTH} characters; a text filter holds at ` +
        `most ${MAX_CONTAINS_LENGTH}`;
      assert.equal(err({ 'summary[eq]': 'x'.repeat(MAX_CONTAINS_LENGTH + 1) }), tooLong);
      assert.equal(err({ 'summary[in]': `a,${'x'.repeat(MAX_CONTAINS_LENGTH + 1)}` }), tooLong);
      assert.equal(err({ 'summary[contains]': 'x'.repeat(MAX_CONTAINS_LENGTH + 1) }), tooLong);
    });

    it('every operator and type pair either parses or is refused naming the operator', () => {
      const sample: Record<string, string> = {
        TEXT: 'x',
        NUMBER: '1',
        BOOLEAN: 'true',
        DATE: '2023-02-01',
        DATETIME: '2023-02-01',
      };
      for (const field of [F.summary, F.price, F.isDefault, F.date, F.createdAt]) {
        for (const op of OPERATORS) {
          const r = parseQuery({ [`${field.name}[${op}]`]: sample[field.type] }, FIELDS, OPTS);
          assert.equal(r.ok, operatorsFor(field.type).includes(op), `${field.type} [${op}]`);
          if (!r.ok) assert.match(r.message, new RegExp(`^Operator "${op}" in `));
        }
      }
    });
  });

  describe('the options of dataset pages: _count and _after', () => {
    const PAGE = { maxSize: 1000, pageOptions: true };
    const page = (params: Params) => {
      const r = parseQuery(params, FIELDS, PAGE);
      assert.ok(r.ok, r.ok ? '' : r.message);
      return r.query;
    };
    const refusal = (params: Params) => {
      const r = parseQuery(params, FIELDS, PAGE);
      assert.ok(!r.ok);
      return r.message;
    };

    it('reads _count, empty meaning exact; without it the query has no count at all', () => {
      assert.equal(page({ _count: 'none' }).count, 'none');
      assert.equal(page({ _count: ' estimated ' }).count, 'estimated');
      assert.equal(page({ _count: '' }).count, 'exact');
      assert.ok(!('count' in page({})));
      assert.ok(!('cursor' in page({})));
    });

    it('refuses another _count naming the option and its values', () => {
      const msg = 'Option "_count" must be "exact", "estimated" or "none", got "Exact"';
      assert.equal(refusal({ _count: 'Exact' }), msg);
      assert.equal(refusal({ _count: ['none', 'none'] }), 'Parameter "_count" is given more than once');
    });

    it('reads _after as given, trimmed; not with current, nor with a sort', () => {
      assert.equal(page({ _after: ' abc ' }).cursor, 'abc');
      assert.equal(page({ _after: '', _sort: '' }).cursor, '');
      assert.match(refusal({ _after: '', current: '1' }), /^Option "_after" can't be used with "current"/);
      assert.match(refusal({ _after: '', _sort: '-id' }), /^Option "_after" pages in natural order only/);
    });

    it('are unknown options elsewhere (widgets, exports, scopes), and listed on pages', () => {
      assert.equal(err({ _count: 'none' }), 'Unknown option "_count"; options are: _sort, _fields, _numbers');
      assert.equal(err({ _after: '' }), 'Unknown option "_after"; options are: _sort, _fields, _numbers');
      assert.equal(refusal({ _x: '1' }), 'Unknown option "_x"; options are: _sort, _fields, _numbers, _count, _after');
    });
  });
});
