import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import { load, refusal, tempFiles } from '../../../test/support/import-files.ts';

const files = tempFiles();
after(() => files.cleanup());

describe('CSV syntax', () => {
  it('reads quoted fields with commas, doubled quotes and line breaks', async () => {
    const file = files.write('quotes.csv', 'id,note\n1,"a, b"\n2,"say ""hi"""\n3,"two\nlines"\n4,plain\n');
    const { rows } = await load(file);
    assert.deepEqual(rows, [
      [1, 'a, b'],
      [2, 'say "hi"'],
      [3, 'two\nlines'],
      [4, 'plain'],
    ]);
  });

  it('reads CRLF files, keeping a CRLF inside a quoted field', async () => {
    const file = files.write('crlf.csv', 'id,note\r\n1,"x\r\ny"\r\n2,z\r\n');
    const { rows } = await load(file);
    assert.deepEqual(rows, [
      [1, 'x\r\ny'],
      [2, 'z'],
    ]);
  });

  it('strips a UTF-8 byte order mark, also before a quoted header', async () => {
    const plain = await load(files.write('bom.csv', '\ufeffid,name\n1,Ann\n'));
    assert.deepEqual(
      plain.plan.fields.map((f) => f.name),
      ['id', 'name'],
    );
    const quoted = await load(files.write('bom-quoted.csv', '\ufeff"id","name"\n1,Ann\n'));
    assert.deepEqual(
      quoted.plan.fields.map((f) => f.name),
      ['id', 'name'],
    );
    assert.deepEqual(quoted.rows, [[1, 'Ann']]);
  });

  it('reads multi-byte UTF-8 text', async () => {
    const { rows } = await load(files.write('utf8.csv', 'name\nZoë\n東京\n😀\n'));
    assert.deepEqual(rows, [['Zoë'], ['東京'], ['😀']]);
  });

  it('reads empty values as null for every type, quoted or not', async () => {
    const file = files.write('empty.csv', 'n,t,b,d,dt\n1,x,true,2023-02-10,2023-02-10T08:50:28Z\n,,"",,\n');
    const { types, rows } = await load(file);
    assert.deepEqual(types, { n: 'NUMBER', t: 'TEXT', b: 'BOOLEAN', d: 'DATE', dt: 'DATETIME' });
    assert.deepEqual(rows[1], [null, null, null, null, null]);
  });

  it('accepts a file without a final line break, and blank last lines', async () => {
    assert.equal((await load(files.write('no-eol.csv', 'a,b\n1,2'))).plan.rows, 1);
    assert.equal((await load(files.write('blank-last.csv', 'a,b\n1,2\n\n'))).plan.rows, 1);
    assert.equal((await load(files.write('blank-lasts.csv', 'a,b\r\n1,2\r\n\r\n\r\n'))).plan.rows, 1);
  });

  it('reads a blank line inside a one-field file as a missing value', async () => {
    const { rows } = await load(files.write('one-field.csv', 'a\n1\n\n2\n\n'));
    assert.deepEqual(rows, [[1], [null], [2]]);
  });

  it('accepts a file with a header only', async () => {
    const { plan } = await load(files.write('header-only.csv', 'a,b\n'));
    assert.equal(plan.rows, 0);
    assert.deepEqual(plan.fields, [
      { name: 'a', type: 'TEXT' },
      { name: 'b', type: 'TEXT' },
    ]);
  });
});

describe('CSV type inference', () => {
  it('infers NUMBER, BOOLEAN, DATE, DATETIME and TEXT', async () => {
    const file = files.write(
      'infer.csv',
      [
        'num,bool,date,datetime,mixed_dates,text,nulls',
        '-12,true,2023-02-10,2023-02-10T08:50:28Z,2023-02-10,a,',
        '3.5,FALSE,2024-02-29,2023-02-10 08:50:28,2023-02-10T08:50:28.250Z,1,',
        '1e3,True,2023-12-31,2023-02-10T08:50:28+02:00,2023-02-11,true,',
        '0,false,2023-01-01,2023-02-10T08:50:28.5Z,2023-02-12 00:00:01,2023-01-01,',
        '0.5,,,,,,',
      ].join('\n'),
    );
    const { types, rows } = await load(file);
    assert.deepEqual(types, {
      num: 'NUMBER',
      bool: 'BOOLEAN',
      date: 'DATE',
      datetime: 'DATETIME',
      mixed_dates: 'DATETIME',
      text: 'TEXT',
      nulls: 'TEXT',
    });
    assert.deepEqual(
      rows.map((r) => r[0]),
      [-12, 3.5, 1000, 0, 0.5],
    );
    assert.deepEqual(
      rows.map((r) => r[1]),
      [true, false, true, false, null],
    );
    assert.deepEqual(
      rows.map((r) => r[3]),
      [
        Date.UTC(2023, 1, 10, 8, 50, 28),
        Date.UTC(2023, 1, 10, 8, 50, 28),
        Date.UTC(2023, 1, 10, 6, 50, 28),
        Date.UTC(2023, 1, 10, 8, 50, 28, 500),
        null,
      ],
    );
    assert.deepEqual(
      rows.map((r) => r[4]),
      [
        Date.UTC(2023, 1, 10),
        Date.UTC(2023, 1, 10, 8, 50, 28, 250),
        Date.UTC(2023, 1, 11),
        Date.UTC(2023, 1, 12, 0, 0, 1),
        null,
      ],
    );
    assert.deepEqual(
      rows.map((r) => r[5]),
      ['a', '1', 'true', '2023-01-01', null],
    );
  });

  it('keeps values with leading zeros as TEXT', async () => {
    const { types, rows } = await load(files.write('zeros.csv', 'zip,code,n\n02134,7,0\n10001,007,0.5\n'));
    assert.deepEqual(types, { zip: 'TEXT', code: 'TEXT', n: 'NUMBER' });
    assert.deepEqual(rows, [
      ['02134', '7', 0],
      ['10001', '007', 0.5],
    ]);
  });

  it('falls back to TEXT for an impossible date or a value of another type', async () => {
    const { types } = await load(files.write('fallback.csv', 'd,n,b\n2023-02-10,1,true\n2023-02-30,x,yes\n'));
    assert.deepEqual(types, { d: 'TEXT', n: 'TEXT', b: 'TEXT' });
  });

  it('reads 64-bit integers exactly', async () => {
    const file = files.write(
      'big.csv',
      'id\n1534956341424005122\n-9223372036854775808\n9007199254740991\n9007199254740993\n99999999999999999999\n',
    );
    const { types, rows } = await load(file);
    assert.equal(types.id, 'NUMBER');
    assert.deepEqual(rows, [
      [1534956341424005122n],
      [-9223372036854775808n],
      [9007199254740991],
      [9007199254740993n],
      [1e20],
    ]);
  });
});

describe('CSV forced types', () => {
  it('converts values to the types given', async () => {
    const file = files.write(
      'forced.csv',
      'zip,flag,price,when,day,n\n007,yes,+12,2023-02-10,2023-02-10,1\n' +
        '1,No,0012.50,2023-02-10T10:00:00+02:00,2023-02-11,2\n,1,,,,\n',
    );
    const { types, rows } = await load(file, {
      zip: 'NUMBER',
      flag: 'BOOLEAN',
      price: 'NUMBER',
      when: 'DATETIME',
      n: 'TEXT',
    });
    assert.deepEqual(types, {
      zip: 'NUMBER',
      flag: 'BOOLEAN',
      price: 'NUMBER',
      when: 'DATETIME',
      day: 'DATE',
      n: 'TEXT',
    });
    assert.deepEqual(rows, [
      [7, true, 12, Date.UTC(2023, 1, 10), '2023-02-10', '1'],
      [1, false, 12.5, Date.UTC(2023, 1, 10, 8), '2023-02-11', '2'],
      [null, true, null, null, null, null],
    ]);
  });

  it('refuses a value that does not convert, naming the field, the value and the line', async () => {
    const file = files.write('forced-bad.csv', 'note,price\none,12\n"multi\nline",13\nthree,abc\n');
    const err = await refusal(file, { price: 'NUMBER' });
    assert.equal(err.line, 5);
    assert.equal(err.message, 'forced-bad.csv line 5: field "price": "abc" is not a NUMBER');
  });

  it('refuses a date-time in a field forced to DATE', async () => {
    const err = await refusal(files.write('forced-date.csv', 'd\n2023-02-10\n2023-02-10T08:00:00Z\n'), { d: 'DATE' });
    assert.equal(err.line, 3);
    assert.match(err.reason, /is a date-time, not a DATE/);
  });

  it('refuses a BOOLEAN that is not true/false/1/0/yes/no', async () => {
    const err = await refusal(files.write('forced-bool.csv', 'b\ntrue\nmaybe\n'), { b: 'BOOLEAN' });
    assert.equal(err.line, 3);
    assert.match(err.reason, /"maybe" is not a BOOLEAN/);
  });

  it('refuses a type for an unknown field, listing the fields', async () => {
    const err = await refusal(files.write('forced-unknown.csv', 'id,price\n1,2\n'), { cost: 'NUMBER' });
    assert.equal(err.line, null);
    assert.equal(
      err.message,
      'forced-unknown.csv: a type is given for unknown field "cost"; the fields are "id", "price"',
    );
  });
});

describe('CSV errors', () => {
  it('refuses a row with too many fields, counting lines inside quoted fields', async () => {
    const file = files.write('wide.csv', 'a,b\n1,"x\ny\nz"\n2,3\n4,5,6\n');
    const err = await refusal(file);
    assert.equal(err.line, 6);
    assert.equal(err.message, 'wide.csv line 6: expected 2 fields, found 3');
  });

  it('refuses a row with too few fields', async () => {
    const err = await refusal(files.write('narrow.csv', 'a,b,c\r\n1,2,3\r\n4,5\r\n'));
    assert.equal(err.line, 3);
    assert.equal(err.reason, 'expected 3 fields, found 2');
  });

  it('refuses a blank line before the last record', async () => {
    const err = await refusal(files.write('blank-mid.csv', 'a,b\n1,2\n\n3,4\n'));
    assert.equal(err.line, 3);
    assert.equal(err.reason, 'expected 2 fields, found an empty line');
  });

  it('refuses an unclosed quote at the line where its record starts', async () => {
    const err = await refusal(files.write('unclosed.csv', 'a,b\n1,"ok\nstill ok"\n2,"never closed\n3,4\n5,6\n'));
    assert.equal(err.line, 4);
    assert.equal(err.reason, 'unclosed quote');
  });

  it('refuses text after a closing quote', async () => {
    const err = await refusal(files.write('bad-quote.csv', 'a,b\n1,2\n3,"x"y\n'));
    assert.equal(err.line, 3);
    assert.match(err.reason, /^malformed quoted field/);
  });

  it('refuses an empty or a duplicate header name', async () => {
    const empty = await refusal(files.write('header-empty.csv', 'a,,c\n1,2,3\n'));
    assert.equal(empty.message, 'header-empty.csv line 1: the header has no name for field 2');
    const dup = await refusal(files.write('header-dup.csv', 'a,b,a\n1,2,3\n'));
    assert.equal(dup.message, 'header-dup.csv line 1: duplicate field name "a" in the header (fields 1 and 3)');
  });

  it('refuses an empty file and a file without a header', async () => {
    assert.equal(
      (await refusal(files.write('empty.csv', ''))).message,
      'empty.csv: the file is empty; a CSV file starts with a header row',
    );
    assert.equal(
      (await refusal(files.write('bom-only.csv', '\ufeff'))).reason,
      'the file is empty; a CSV file starts with a header row',
    );
    const blank = await refusal(files.write('no-header.csv', '\n1,2\n'));
    assert.equal(blank.line, 1);
    assert.equal(blank.reason, 'the header row is empty');
  });

  it('refuses an unclosed quote in a large file without reading the rest into memory', async () => {
    // 20 MB after the quote: more than the longest record the reader accepts.
    const row = 'x'.repeat(99) + '\n';
    const file = files.write('unclosed-large.csv', `a\n1\n"never closed\n${row.repeat(200_000)}`);
    const err = await refusal(file);
    assert.equal(err.line, 3);
    assert.match(err.reason, /^unclosed quote/);
  });
});

describe('NUL characters in CSV files', () => {
  const nul = 'contains a NUL character (U+0000), which text values cannot hold';

  it('refuses a cell holding U+0000, naming its line and field, after a quoted line break', async () => {
    const err = await refusal(files.write('nul.csv', 'id,summary\n1,"two\nlines"\n2,a\0b\n3,c\n'));
    assert.equal(err.line, 4);
    assert.equal(err.reason, `field "summary" ${nul}`);
  });

  it('refuses U+0000 in a header name, naming the field by position', async () => {
    const err = await refusal(files.write('nul-header.csv', 'id,sum\0mary\n1,a\n'));
    assert.equal(err.line, 1);
    assert.equal(err.reason, `the name of field 2 in the header ${nul}`);
  });

  it('reports an earlier bad record first', async () => {
    const err = await refusal(files.write('nul-later.csv', 'id,summary\n1,a\n2,b,extra\n3,\0\n'));
    assert.equal(err.line, 3);
    assert.equal(err.reason, 'expected 2 fields, found 3');
  });

  it('finds U+0000 far into a large file, in a later chunk', async () => {
    const rows = Array.from({ length: 20_000 }, (_, i) => `${i + 1},row ${i + 1}`);
    rows[15_000] = '15001,x\0y';
    const err = await refusal(files.write('nul-big.csv', ['id,summary', ...rows].join('\n')));
    assert.equal(err.line, 15_002);
    assert.equal(err.reason, `field "summary" ${nul}`);
  });
});
