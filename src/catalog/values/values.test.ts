import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { fromJson, fromText, INVALID, K_STRING } from '../import/convert.ts';
import { parseQuery } from '../filter/query-parser.ts';
import type { FieldType, Value } from '../types.ts';
import { DATE_FORMAT_CASES, REFUSED, VALUE_CASES } from './value-cases.ts';
import {
  DATE_FORMATS,
  dateFormatOf,
  DECIMAL,
  EXPONENT,
  FILTER_RULES,
  IMPORT_RULES,
  INTEGER,
  isDateFormatName,
  isNumberLiteral,
  NOT_A_NUMBER,
  parseDate,
  parseDateTime,
  parseNumber,
  scanNumber,
} from './values.ts';

/** What the importer makes of `input` as a JSON string, and as a CSV cell (the same unless empty). */
function imported(type: FieldType, input: string): Value | typeof REFUSED {
  const v = fromJson(type, K_STRING, input);
  if (input !== '') assert.deepEqual(fromText(type, input), v, 'a CSV cell reads as the same JSON string');
  return v === INVALID ? REFUSED : v;
}

/** What a filter whose whole value is `input` compares with, or REFUSED for its 400. */
function filtered(type: FieldType, input: string): Value | typeof REFUSED {
  const r = parseQuery({ v: input }, [{ name: 'v', type, column: 'c0' }], { maxSize: 10 });
  if (!r.ok) {
    assert.match(r.message, /^Invalid value .* for \w+ field "v": /);
    return REFUSED;
  }
  assert.equal(r.query.filters.length, 1);
  const [node] = r.query.filters;
  switch (node.kind) {
    case 'empty':
      return null;
    case 'contains':
    case 'equals':
      return node.value;
    case 'ranges':
      assert.equal(node.ranges.length, 1, 'one value is one interval');
      assert.equal(node.ranges[0].hi, node.field.type === 'NUMBER' ? node.ranges[0].lo : null);
      return node.ranges[0].lo;
    default:
      return assert.fail(`a filter without an operator never makes a ${node.kind} node`);
  }
}

const show = (v: Value | typeof REFUSED): string =>
  v === REFUSED ? 'refused' : typeof v === 'bigint' ? `${v}n` : Object.is(v, -0) ? '-0' : JSON.stringify(v);

describe('one value language: the importer and the filters against one table', () => {
  for (const c of VALUE_CASES) {
    const label = `${c.type} ${JSON.stringify(c.input)}: imported ${show(c.imported)}, filtered ${show(c.filtered)}`;
    it(label, () => {
      // deepEqual is strict here: 0 and -0, 5 and 5n all differ.
      assert.deepEqual(imported(c.type, c.input), c.imported, 'importer');
      assert.deepEqual(filtered(c.type, c.input), c.filtered, 'filter');
      const differ = !Object.is(c.imported, c.filtered);
      assert.equal(
        c.why !== undefined,
        differ,
        differ ? 'a difference needs its reason' : 'a reason without a difference',
      );
    });
  }

  it('covers every type, and every rule in which the two differ', () => {
    assert.deepEqual(
      new Set(VALUE_CASES.map((c) => c.type)),
      new Set(['TEXT', 'NUMBER', 'BOOLEAN', 'DATE', 'DATETIME']),
    );
    const rules = Object.keys(IMPORT_RULES) as (keyof typeof IMPORT_RULES)[];
    // Each rule the two read differently is a reason in the table, plus trimming and the empty filter.
    assert.equal(rules.filter((k) => IMPORT_RULES[k] !== FILTER_RULES[k]).length, rules.length);
    assert.equal(new Set(VALUE_CASES.flatMap((c) => (c.why ? [c.why] : []))).size, rules.length + 2);
  });
});

describe('date formats: the importer reads the chosen one besides ISO 8601, a filter only ISO 8601', () => {
  for (const c of DATE_FORMAT_CASES) {
    it(`${c.format} ${c.type} ${JSON.stringify(c.input)}: imported ${show(c.imported)}`, () => {
      const dates = dateFormatOf(c.format);
      const v = fromText(c.type, c.input, dates);
      assert.deepEqual(v === INVALID ? REFUSED : v, c.imported, 'importer, CSV cell');
      const j = fromJson(c.type, K_STRING, c.input, dates);
      assert.deepEqual(j === INVALID ? REFUSED : j, c.imported, 'importer, JSON string');
      // What the filter reads does not depend on the format: the contract's ISO values only.
      const iso = c.type === 'DATE' ? parseDate(c.input, FILTER_RULES) : parseDateTime(c.input, FILTER_RULES);
      assert.deepEqual(filtered(c.type, c.input), iso ?? REFUSED, 'filter');
      if (iso === null) assert.equal(filtered(c.type, c.input), REFUSED);
    });
  }

  it('covers every format, and names only those it knows', () => {
    assert.deepEqual(new Set(DATE_FORMAT_CASES.map((c) => c.format)), new Set(DATE_FORMATS));
    for (const name of DATE_FORMATS) assert.equal(isDateFormatName(name), true, name);
    for (const name of ['', 'dd.mm.yyyy', 'MM/DD/YY', 'YYYY-MM-DD ', 'ISO', '__proto__', 'toString'])
      assert.equal(isDateFormatName(name), false, JSON.stringify(name));
    assert.equal(dateFormatOf('YYYY-MM-DD'), null, 'ISO 8601 needs no scanner: it is always read');
  });

  it('resolves an ambiguous date by the chosen format only', () => {
    assert.equal(fromText('DATE', '03/04/2023', dateFormatOf('MM/DD/YYYY')), '2023-03-04');
    assert.equal(fromText('DATE', '03/04/2023', dateFormatOf('DD/MM/YYYY')), '2023-04-03');
    assert.equal(fromText('DATE', '03/04/2023'), INVALID, 'without a format it is no date');
  });
});

describe('scanNumber', () => {
  it('classifies JSON number literals strictly', () => {
    for (const s of ['0', '-0', '7', '-12', '1534956341424005122']) assert.equal(scanNumber(s, false), INTEGER, s);
    for (const s of ['0.5', '3.25', '-0.001']) assert.equal(scanNumber(s, false), DECIMAL, s);
    for (const s of ['1e3', '2.5E-7', '-1e+2']) assert.equal(scanNumber(s, false), EXPONENT, s);
  });

  it('refuses leading zeros, a plus sign and partial literals in strict mode', () => {
    for (const s of [
      '007',
      '02134',
      '00',
      '+5',
      '.5',
      '5.',
      '1e',
      '1e+',
      '-',
      '',
      ' 1',
      '1 ',
      '0x10',
      'Infinity',
      'NaN',
      '1_000',
      '1,5',
    ]) {
      assert.equal(scanNumber(s, false), NOT_A_NUMBER, JSON.stringify(s));
    }
  });

  it('takes leading zeros and a plus sign in lenient mode', () => {
    assert.equal(scanNumber('007', true), INTEGER);
    assert.equal(scanNumber('+5', true), INTEGER);
    assert.equal(scanNumber('+0.50', true), DECIMAL);
    assert.equal(scanNumber('abc', true), NOT_A_NUMBER);
  });

  it('takes a bare decimal point only when asked, and never a point alone', () => {
    for (const s of ['.5', '5.', '-.5', '+5.', '5.e3', '.5E-1']) {
      assert.equal(scanNumber(s, true), NOT_A_NUMBER, s);
      assert.notEqual(scanNumber(s, true, true), NOT_A_NUMBER, s);
    }
    for (const s of ['.', '-.', '.e3', '+.e1', '..5', '5..']) assert.equal(scanNumber(s, true, true), NOT_A_NUMBER, s);
  });

  it('treats a literal that overflows to Infinity as no number', () => {
    assert.equal(isNumberLiteral('1e308'), true);
    assert.equal(isNumberLiteral('1e309'), false);
  });
});

describe('parseNumber and parseDateTime by themselves', () => {
  it('distinguish neighbouring 64-bit integers', () => {
    for (const rules of [IMPORT_RULES, FILTER_RULES]) {
      assert.equal(parseNumber('1534956341424005122', rules), 1534956341424005122n);
      assert.notEqual(parseNumber('1534956341424005122', rules), parseNumber('1534956341424005123', rules));
    }
  });

  it("take no surrounding white space: trimming is the filter language's, not the value's", () => {
    for (const rules of [IMPORT_RULES, FILTER_RULES]) {
      assert.equal(parseNumber(' 1', rules), null);
      assert.equal(parseDateTime(' 2023-02-01', rules), null);
    }
  });

  it('refuse malformed or impossible date-times', () => {
    for (const s of [
      '2023-02-30T08:50:28Z',
      '2023-02-10T24:00:00Z',
      '2023-02-10T08:60:00Z',
      '2023-02-10T08:50:61Z',
      '2023-02-10T08:50:28X',
      '2023-02-10T08:50:28+25:00',
      '2023-02-10T08:50:28.Z',
      '2023-02-10T8:50:28Z',
      '2023-02-10T08:50:28Z ',
      '2023-02-10X08:50:28Z',
      '2023-02-10T08:50:28+0',
    ]) {
      for (const rules of [IMPORT_RULES, FILTER_RULES]) assert.equal(parseDateTime(s, rules), null, s);
    }
  });

  it('read a date alone as its midnight UTC, and refuse a date-time that is a few characters short', () => {
    assert.equal(parseDateTime('2023-02-10', IMPORT_RULES), Date.UTC(2023, 1, 10));
    for (const s of ['2023-02-10T', '2023-02-10T08', '2023-02-10T08:5'])
      assert.equal(parseDateTime(s, FILTER_RULES), null, s);
  });
});
