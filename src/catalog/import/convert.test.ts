import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { TypeGuess } from './infer.ts';
import {
  fromJson,
  fromText,
  INVALID,
  invalidValueReason,
  K_FALSE,
  K_JSON,
  K_NULL,
  K_NUMBER,
  K_STRING,
  K_TRUE,
} from './convert.ts';

// How each text reads as a value is in ../values/value-cases.ts, for the importer and the
// filters alike; here, what is the importer's own.

describe('dates and date-times', () => {
  it('forced DATETIME takes a date as its midnight UTC; forced DATE refuses a date-time', () => {
    assert.equal(fromText('DATETIME', '2023-02-10'), Date.UTC(2023, 1, 10));
    assert.equal(fromText('DATE', '2023-02-10'), '2023-02-10');
    assert.equal(fromText('DATE', '2023-02-10T08:50:28Z'), INVALID);
    assert.match(invalidValueReason('due', 'DATE', '2023-02-10T08:50:28Z'), /is a date-time, not a DATE/);
    assert.equal(
      invalidValueReason('due', 'DATE', '2023-02-30'),
      'field "due": "2023-02-30" is not a DATE (YYYY-MM-DD)',
    );
    assert.equal(
      invalidValueReason('due', 'DATE', '0000-01-01'),
      'field "due": "0000-01-01" is not a DATE (YYYY-MM-DD)',
    );
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
