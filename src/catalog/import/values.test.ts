import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { TypeGuess } from './infer.ts';
import {
  DECIMAL,
  EXPONENT,
  fromJson,
  fromText,
  INTEGER,
  INVALID,
  invalidValueReason,
  isDate,
  isNumberLiteral,
  K_FALSE,
  K_JSON,
  K_NULL,
  K_NUMBER,
  K_STRING,
  K_TRUE,
  NOT_A_NUMBER,
  parseBoolean,
  parseDateTime,
  scanNumber,
} from './values.ts';

describe('scanNumber', () => {
  it('classifies JSON number literals strictly', () => {
    for (const s of ['0', '-0', '7', '-12', '1534956341424005122']) assert.equal(scanNumber(s, false), INTEGER, s);
    for (const s of ['0.5', '3.25', '-0.001']) assert.equal(scanNumber(s, false), DECIMAL, s);
    for (const s of ['1e3', '2.5E-7', '-1e+2']) assert.equal(scanNumber(s, false), EXPONENT, s);
  });

  it('refuses leading zeros, a plus sign and partial literals in strict mode', () => {
    for (const s of ['007', '02134', '00', '+5', '.5', '5.', '1e', '1e+', '-', '', ' 1', '1 ', '0x10', 'Infinity', 'NaN', '1_000', '1,5']) {
      assert.equal(scanNumber(s, false), NOT_A_NUMBER, JSON.stringify(s));
    }
  });

  it('takes leading zeros and a plus sign in lenient mode', () => {
    assert.equal(scanNumber('007', true), INTEGER);
    assert.equal(scanNumber('+5', true), INTEGER);
    assert.equal(scanNumber('+0.50', true), DECIMAL);
    assert.equal(scanNumber('abc', true), NOT_A_NUMBER);
  });

  it('treats a literal that overflows to Infinity as no number', () => {
    assert.equal(isNumberLiteral('1e308'), true);
    assert.equal(isNumberLiteral('1e309'), false);
  });
});

describe('fromText NUMBER', () => {
  it('keeps integers exact: number when safe, bigint within 64 bits, else a double', () => {
    assert.equal(fromText('NUMBER', '9007199254740991'), 9007199254740991);
    assert.equal(fromText('NUMBER', '-9007199254740991'), -9007199254740991);
    assert.equal(fromText('NUMBER', '9007199254740993'), 9007199254740993n);
    assert.equal(fromText('NUMBER', '1534956341424005122'), 1534956341424005122n);
    assert.equal(fromText('NUMBER', '9223372036854775807'), 9223372036854775807n);
    assert.equal(fromText('NUMBER', '-9223372036854775808'), -9223372036854775808n);
    assert.equal(fromText('NUMBER', '9223372036854775808'), 9223372036854775808);
    assert.equal(fromText('NUMBER', '0000000000000000042'), 42);
  });

  it('converts decimals and exponents to doubles', () => {
    assert.equal(fromText('NUMBER', '3.5'), 3.5);
    assert.equal(fromText('NUMBER', '1e3'), 1000);
    assert.equal(fromText('NUMBER', '+12'), 12);
    assert.equal(fromText('NUMBER', '007'), 7);
  });

  it('refuses what is not a number', () => {
    for (const s of ['abc', '12abc', '1e999', '0x10', ' 1']) assert.equal(fromText('NUMBER', s), INVALID, s);
  });
});

describe('booleans', () => {
  it('forced BOOLEAN takes true/false/1/0/yes/no in any case', () => {
    for (const s of ['true', 'TRUE', 'True', '1', 'yes', 'YES']) assert.equal(parseBoolean(s), true, s);
    for (const s of ['false', 'False', '0', 'no', 'No']) assert.equal(parseBoolean(s), false, s);
    for (const s of ['t', 'y', 'on', '2', 'maybe']) assert.equal(parseBoolean(s), undefined, s);
  });
});

describe('dates and date-times', () => {
  it('accepts only valid calendar dates written YYYY-MM-DD', () => {
    for (const s of ['2023-02-10', '2024-02-29', '2000-02-29', '0001-01-01', '9999-12-31']) assert.equal(isDate(s), true, s);
    for (const s of ['2023-02-29', '1900-02-29', '2023-13-01', '2023-00-10', '2023-04-31', '2023-1-01', '0000-01-01', '2023/02/10', '20230210', '2023-02-10T00:00:00Z']) {
      assert.equal(isDate(s), false, s);
    }
  });

  it('parses ISO 8601 date-times to epoch milliseconds', () => {
    assert.equal(parseDateTime('2023-02-10T08:50:28Z'), Date.UTC(2023, 1, 10, 8, 50, 28));
    assert.equal(parseDateTime('2023-02-10T08:50:28.5Z'), Date.UTC(2023, 1, 10, 8, 50, 28, 500));
    assert.equal(parseDateTime('2023-02-10T08:50:28.123456Z'), Date.UTC(2023, 1, 10, 8, 50, 28, 123));
    assert.equal(parseDateTime('2023-02-10T08:50:28+02:00'), Date.UTC(2023, 1, 10, 6, 50, 28));
    assert.equal(parseDateTime('2023-02-10T08:50:28-0530'), Date.UTC(2023, 1, 10, 14, 20, 28));
    assert.equal(parseDateTime('2023-02-10T08:50:28+02'), Date.UTC(2023, 1, 10, 6, 50, 28));
    assert.equal(parseDateTime('2023-02-10 08:50:28'), Date.UTC(2023, 1, 10, 8, 50, 28));
    assert.equal(parseDateTime('2023-02-10T08:50'), Date.UTC(2023, 1, 10, 8, 50));
    assert.equal(parseDateTime('1969-12-31T23:59:59Z'), -1000);
    assert.equal(parseDateTime('0099-03-01T00:00:00Z'), new Date('0099-03-01T00:00:00Z').getTime());
  });

  it('refuses malformed or impossible date-times', () => {
    for (const s of ['2023-02-10', '2023-02-30T08:50:28Z', '2023-02-10T24:00:00Z', '2023-02-10T08:60:00Z', '2023-02-10T08:50:61Z', '2023-02-10T08:50:28X', '2023-02-10T08:50:28+25:00', '2023-02-10T08:50:28.Z', '2023-02-10T8:50:28Z', '2023-02-10T08:50:28Z ', '2023-02-10X08:50:28Z', '2023-02-10T08:50:28+0']) {
      assert.ok(Number.isNaN(parseDateTime(s)), s);
    }
  });

  it('forced DATETIME takes a date as its midnight UTC; forced DATE refuses a date-time', () => {
    assert.equal(fromText('DATETIME', '2023-02-10'), Date.UTC(2023, 1, 10));
    assert.equal(fromText('DATE', '2023-02-10'), '2023-02-10');
    assert.equal(fromText('DATE', '2023-02-10T08:50:28Z'), INVALID);
    assert.match(invalidValueReason('due', 'DATE', '2023-02-10T08:50:28Z'), /is a date-time, not a DATE/);
  });
});

describe('fromJson', () => {
  it('keeps a JSON number text for TEXT, and nested JSON only for TEXT', () => {
    assert.equal(fromJson('TEXT', K_NUMBER, '1.50'), '1.50');
    assert.equal(fromJson('NUMBER', K_NUMBER, '1534956341424005122'), 1534956341424005122n);
    assert.equal(fromJson('TEXT', K_TRUE, 'true'), 'true');
    assert.equal(fromJson('BOOLEAN', K_FALSE, 'false'), false);
    assert.equal(fromJson('BOOLEAN', K_NUMBER, '1'), true);
    assert.equal(fromJson('TEXT', K_JSON, '{"a":1}'), '{"a":1}');
    assert.equal(fromJson('NUMBER', K_JSON, '[1]'), INVALID);
    assert.equal(fromJson('NUMBER', K_TRUE, 'true'), INVALID);
    assert.equal(fromJson('DATE', K_NULL, 'null'), null);
  });

  it('reads an empty JSON string as empty text for TEXT and as missing otherwise', () => {
    assert.equal(fromJson('TEXT', K_STRING, ''), '');
    assert.equal(fromJson('NUMBER', K_STRING, ''), null);
  });
});

describe('TypeGuess', () => {
  const guess = (...values: string[]): string => {
    const g = new TypeGuess();
    for (const v of values) g.observe(v);
    return g.type;
  };

  it('infers each type from text', () => {
    assert.equal(guess('1', '-12', '3.5', '1e3', '0', '0.5'), 'NUMBER');
    assert.equal(guess('true', 'FALSE', 'True'), 'BOOLEAN');
    assert.equal(guess('2023-02-10', '2024-02-29'), 'DATE');
    assert.equal(guess('2023-02-10T08:50:28Z', '2023-02-10 08:50:28', '2023-02-10T08:50:28.5+02:00'), 'DATETIME');
    assert.equal(guess('2023-02-10', '2023-02-10T08:50:28Z', '2023-02-11'), 'DATETIME');
    assert.equal(guess(), 'TEXT');
  });

  it('falls back to TEXT for leading zeros, mixes and invalid dates', () => {
    assert.equal(guess('1', '007'), 'TEXT');
    assert.equal(guess('02134'), 'TEXT');
    assert.equal(guess('1', 'true'), 'TEXT');
    assert.equal(guess('yes', 'no'), 'TEXT');
    assert.equal(guess('2023-02-30'), 'TEXT');
    assert.equal(guess('2023-02-10', 'x'), 'TEXT');
  });

  it('infers from JSON kinds; nested values make TEXT', () => {
    const g = new TypeGuess();
    g.observeJson(K_TRUE, 'true');
    g.observeJson(K_NULL, 'null');
    g.observeJson(K_STRING, 'false');
    g.observeJson(K_STRING, '');
    assert.equal(g.type, 'BOOLEAN');
    const h = new TypeGuess();
    h.observeJson(K_NUMBER, '1');
    h.observeJson(K_JSON, '[1]');
    assert.equal(h.type, 'TEXT');
  });
});
