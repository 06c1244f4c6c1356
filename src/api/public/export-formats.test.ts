import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Field } from '../../catalog/index.ts';
import {
  cellValue,
  contentDisposition,
  csvField,
  csvHeader,
  csvLines,
  sheetName,
  valueText,
} from './export-formats.ts';

const field = (name: string, type: Field['type']): Field => ({ name, type, column: 'c0' });

describe('export formats', () => {
  it('quotes a CSV field only when it holds a quote, a comma or a line break (RFC 4180)', () => {
    assert.equal(csvField('plain text'), 'plain text');
    assert.equal(csvField('a,b'), '"a,b"');
    assert.equal(csvField('say "hi"'), '"say ""hi"""');
    assert.equal(csvField('two\nlines'), '"two\nlines"');
    assert.equal(csvField('cr\r'), '"cr\r"');
    assert.equal(csvField(''), '');
  });

  it('writes CSV lines with CRLF, empty nulls and exact 64-bit integers', () => {
    const cols = [field('n', 'NUMBER'), field('ok', 'BOOLEAN'), field('at', 'DATETIME'), field('d', 'DATE')];
    assert.equal(csvHeader([field('a,b', 'TEXT'), field('c', 'TEXT')]), '"a,b",c\r\n');
    assert.equal(
      csvLines(cols, [
        [9223372036854775807n, 1n, 1676019028000, '2023-02-10'],
        [null, 0, 1676019028120, null],
        [Number.NaN, null, null, undefined],
      ]),
      '9223372036854775807,true,2023-02-10T08:50:28Z,2023-02-10\r\n,false,2023-02-10T08:50:28.120Z,\r\n,,,\r\n',
    );
    assert.equal(valueText('NUMBER', 12.5), '12.5');
    assert.equal(valueText('TEXT', null), null);
  });

  it('types XLSX cells: numbers, big integers as text, dates in Excel’s calendar, booleans', () => {
    assert.equal(cellValue('NUMBER', 42n), 42);
    assert.equal(cellValue('NUMBER', 9007199254740993n), '9007199254740993');
    assert.equal(cellValue('NUMBER', -9007199254740991n), -9007199254740991);
    assert.equal(cellValue('NUMBER', 1.5), 1.5);
    assert.equal(cellValue('NUMBER', '78282773412624382510'), '78282773412624382510');
    assert.equal(cellValue('NUMBER', '12'), 12);
    assert.equal(cellValue('BOOLEAN', 0n), false);
    assert.deepEqual(cellValue('DATE', '2023-02-01'), new Date('2023-02-01T00:00:00Z'));
    assert.equal(cellValue('DATE', '1899-12-31'), '1899-12-31');
    assert.deepEqual(cellValue('DATETIME', 1676019028000), new Date('2023-02-10T08:50:28Z'));
    assert.equal(cellValue('DATETIME', Date.UTC(1800, 0, 1)), '1800-01-01T00:00:00Z');
    assert.equal(cellValue('TEXT', undefined), null);
  });

  it('makes a worksheet name Excel accepts', () => {
    assert.equal(sheetName('Tickets [2023]: a/b?'), 'Tickets  2023   a b');
    assert.equal(sheetName("'quoted'"), 'quoted');
    assert.equal(sheetName('x'.repeat(40)).length, 31);
    assert.equal(sheetName('///'), 'Export');
  });

  it('names the download safely, with RFC 6266 filename* for non-ASCII', () => {
    assert.equal(contentDisposition('Tickets', 'csv'), 'attachment; filename="Tickets.csv"');
    assert.equal(contentDisposition('a"b\\c/d\r\n', 'csv'), 'attachment; filename="a_b_c_d__.csv"');
    assert.equal(
      contentDisposition('Café 日本', 'xlsx'),
      `attachment; filename="Caf_ __.xlsx"; filename*=UTF-8''Caf%C3%A9%20%E6%97%A5%E6%9C%AC.xlsx`,
    );
    assert.equal(contentDisposition("it's (1)*", 'csv'), `attachment; filename="it's (1)_.csv"`);
    assert.equal(contentDisposition('...', 'ndjson'), 'attachment; filename="export.ndjson"');
    assert.equal(
      contentDisposition('x\uD800y', 'csv'),
      'attachment; filename="x_y.csv"',
      'a lone surrogate is replaced, not an error',
    );
  });
});
