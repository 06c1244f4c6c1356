import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import { load, refusal, tempFiles } from '../../../test/support/import-files.ts';

const files = tempFiles();
after(() => files.cleanup());

describe('JSON array files', () => {
  it('reads objects with fields in order of first appearance, missing keys as null', async () => {
    const file = files.write(
      'tickets.json',
      JSON.stringify([
        { id: 1, summary: 'Printer offline', priority: 2 },
        { id: 2, board: 'Service', summary: 'VPN' },
        { priority: 1, id: 3, closed: true },
      ]),
    );
    const { plan, rows } = await load(file);
    assert.equal(plan.format, 'json');
    assert.deepEqual(plan.fields, [
      { name: 'id', type: 'NUMBER' },
      { name: 'summary', type: 'TEXT' },
      { name: 'priority', type: 'NUMBER' },
      { name: 'board', type: 'TEXT' },
      { name: 'closed', type: 'BOOLEAN' },
    ]);
    assert.deepEqual(rows, [
      [1, 'Printer offline', 2, null, null],
      [2, 'VPN', null, 'Service', null],
      [3, null, 1, null, true],
    ]);
  });

  it('keeps 64-bit integers exact', async () => {
    const file = files.write('big.json', '[{"id": 1534956341424005122}, {"id": -9223372036854775808}, {"id": 42}]');
    const { rows } = await load(file);
    assert.deepEqual(rows, [[1534956341424005122n], [-9223372036854775808n], [42]]);
  });

  it('stores nested objects and arrays as their JSON text, numbers written as in the file', async () => {
    const file = files.write(
      'nested.json',
      '[{"tags": ["a", "b"], "meta": {"x": 1.50, "y": [true, null, {"z": "q\\"uote"}]}}, {"tags": []}]',
    );
    const { types, rows } = await load(file);
    assert.deepEqual(types, { tags: 'TEXT', meta: 'TEXT' });
    assert.deepEqual(rows, [
      ['["a","b"]', '{"x":1.50,"y":[true,null,{"z":"q\\"uote"}]}'],
      ['[]', null],
    ]);
  });

  it('infers types from JSON values and from text, like CSV', async () => {
    const file = files.write(
      'infer.json',
      JSON.stringify([
        {
          n: 1,
          ns: '12',
          b: true,
          bs: 'FALSE',
          d: '2023-02-10',
          dt: '2023-02-10T08:50:28Z',
          zip: '02134',
          mix: 1,
          e: '',
        },
        { n: 2.5, ns: '-3', b: false, bs: 'true', d: '2023-02-11', dt: '2023-02-10', zip: '10001', mix: 'one', e: '' },
      ]),
    );
    const { types, rows } = await load(file);
    assert.deepEqual(types, {
      n: 'NUMBER',
      ns: 'NUMBER',
      b: 'BOOLEAN',
      bs: 'BOOLEAN',
      d: 'DATE',
      dt: 'DATETIME',
      zip: 'TEXT',
      mix: 'TEXT',
      e: 'TEXT',
    });
    assert.deepEqual(rows[0], [1, 12, true, false, '2023-02-10', Date.UTC(2023, 1, 10, 8, 50, 28), '02134', '1', '']);
    assert.deepEqual(rows[1], [2.5, -3, false, true, '2023-02-11', Date.UTC(2023, 1, 10), '10001', 'one', '']);
  });

  it('keeps the text of a JSON number in a TEXT field', async () => {
    const { rows } = await load(files.write('text-number.json', '[{"v": 1.50}, {"v": "x"}, {"v": 1e3}]'));
    assert.deepEqual(rows, [['1.50'], ['x'], ['1e3']]);
  });

  it('reads an empty string as missing for a non-TEXT type', async () => {
    const { types, rows } = await load(files.write('empty-string.json', '[{"n": 1}, {"n": ""}]'));
    assert.equal(types.n, 'NUMBER');
    assert.deepEqual(rows, [[1], [null]]);
  });

  it('converts to forced types', async () => {
    const file = files.write(
      'forced.json',
      '[{"id": 7, "flag": 1, "when": "2023-02-10"}, {"id": "8", "flag": "no", "when": null}]',
    );
    const { rows } = await load(file, { id: 'TEXT', flag: 'BOOLEAN', when: 'DATETIME' });
    assert.deepEqual(rows, [
      ['7', true, Date.UTC(2023, 1, 10)],
      ['8', false, null],
    ]);
  });

  it('strips a byte order mark', async () => {
    const { rows } = await load(files.write('bom.json', '\ufeff[{"a": 1}]'));
    assert.deepEqual(rows, [[1]]);
  });
});

describe('JSON array errors', () => {
  it('refuses a top-level value that is not an array', async () => {
    const err = await refusal(files.write('object.json', '\n{"a": 1}'));
    assert.equal(err.message, 'object.json line 2: expected a top-level JSON array of objects, found an object');
    assert.equal(
      (await refusal(files.write('string.json', '"a"'))).reason,
      'expected a top-level JSON array of objects, found a string',
    );
  });

  it('refuses an array item that is not an object, with its line', async () => {
    const err = await refusal(files.write('item.json', '[\n{"a": 1},\n{"a": 2},\n3,\n{"a": 4}\n]'));
    assert.equal(err.message, 'item.json line 4: array item 3 is a number, expected an object');
    const nested = await refusal(files.write('item-array.json', '[[1, 2]]'));
    assert.equal(nested.reason, 'array item 1 is an array, expected an object');
  });

  it('refuses invalid JSON near the line of the fault', async () => {
    const err = await refusal(files.write('syntax.json', '[\n{"a": 1},\n{"a": 2}\n{"a": 3}\n]'));
    assert.equal(err.line, 4);
    assert.match(err.reason, /^invalid JSON: /);
  });

  it('refuses a value that does not convert to a forced type', async () => {
    const err = await refusal(files.write('forced-bad.json', '[\n{"n": 1},\n{"n": "abc"}\n]'), { n: 'NUMBER' });
    assert.equal(err.message, 'forced-bad.json line 3: field "n": "abc" is not a NUMBER');
  });

  it('refuses a type for an unknown field', async () => {
    const err = await refusal(files.write('unknown.json', '[{"a": 1}]'), { b: 'NUMBER' });
    assert.equal(err.line, null);
    assert.match(err.reason, /unknown field "b"/);
  });

  it('refuses an unclosed array, an empty file, and a file without fields', async () => {
    assert.equal(
      (await refusal(files.write('unclosed.json', '[{"a": 1},\n'))).reason,
      'unexpected end of the file: the JSON array is not closed',
    );
    assert.equal((await refusal(files.write('empty.json', ' \n'))).reason, 'the file is empty');
    assert.match((await refusal(files.write('no-records.json', '[]'))).reason, /^no fields/);
    assert.match((await refusal(files.write('empty-objects.json', '[{}, {}]'))).reason, /^no fields/);
  });

  it('refuses content after the array', async () => {
    const err = await refusal(files.write('trailing.json', '[{"a": 1}]\n[{"a": 2}]'));
    assert.match(err.reason, /^invalid JSON/);
  });

  it('refuses an empty field name', async () => {
    assert.equal((await refusal(files.write('empty-key.json', '[{"": 1}]'))).reason, 'a field name is empty');
  });
});

describe('NDJSON files', () => {
  it('reads one object per line, ignoring blank lines, with LF or CRLF', async () => {
    const file = files.write(
      'tickets.ndjson',
      '{"id": 1534956341424005122, "at": "2023-02-10T08:50:28Z"}\r\n\r\n{"id": 2, "note": "x"}\n   \n{"at": ' +
        '"2023-02-10 09:00:00", "id": 3}',
    );
    const { plan, rows } = await load(file);
    assert.equal(plan.format, 'ndjson');
    assert.deepEqual(plan.fields, [
      { name: 'id', type: 'NUMBER' },
      { name: 'at', type: 'DATETIME' },
      { name: 'note', type: 'TEXT' },
    ]);
    assert.deepEqual(rows, [
      [1534956341424005122n, Date.UTC(2023, 1, 10, 8, 50, 28), null],
      [2, null, 'x'],
      [3, Date.UTC(2023, 1, 10, 9), null],
    ]);
  });

  it('reads .jsonl files as NDJSON', async () => {
    const { plan, rows } = await load(files.write('data.JSONL', '{"a": true}\n{"a": false}\n'));
    assert.equal(plan.format, 'ndjson');
    assert.deepEqual(rows, [[true], [false]]);
  });
});

describe('NDJSON errors, with exact line numbers', () => {
  const lines = (...content: string[]): string => content.join('\n');

  it('refuses invalid JSON on its line', async () => {
    const err = await refusal(
      files.write('syntax.ndjson', lines('{"a": 1}', '', '{"a": 2}', '{"a": tru}', '{"a": 5}')),
    );
    assert.equal(err.line, 4);
    assert.match(err.reason, /^invalid JSON: /);
  });

  it('refuses text after the object on its line', async () => {
    assert.equal(
      (await refusal(files.write('extra-brace.ndjson', lines('{"a": 1}', '{"a": 2}}', '{"a": 3}', '{"a": 4}')))).line,
      2,
    );
    assert.equal(
      (await refusal(files.write('extra-word.ndjson', lines('{"a": 1}', '{"a": 2} x', '{"a": 3}')))).line,
      2,
    );
    const two = await refusal(files.write('two.ndjson', lines('{"a": 1}', '{"a": 2} {"a": 3}')));
    assert.equal(two.message, 'two.ndjson line 2: more than one JSON value on the line');
  });

  it('refuses a line that is not an object', async () => {
    const err = await refusal(files.write('scalar.ndjson', lines('{"a": 1}', '{"a": 2}', '[1, 2]')));
    assert.equal(err.message, 'scalar.ndjson line 3: expected a JSON object, found an array');
    assert.equal(
      (await refusal(files.write('number.ndjson', lines('{"a": 1}', '42')))).reason,
      'expected a JSON object, found a number',
    );
  });

  it('refuses an object spread over lines, and an unclosed string', async () => {
    const split = await refusal(files.write('split.ndjson', lines('{"a": 1}', '{"a":', '2}')));
    assert.equal(split.message, 'split.ndjson line 2: the line does not hold a complete JSON object');
    const open = await refusal(files.write('open-string.ndjson', lines('{"a": 1}', '{"a": "x', '{"a": 3}')));
    assert.equal(open.line, 2);
    const last = await refusal(files.write('open-last.ndjson', lines('{"a": 1}', '{"a": 2')));
    assert.equal(last.line, 2);
  });

  it('refuses a value that does not convert to a forced type on its line', async () => {
    const err = await refusal(
      files.write('forced.ndjson', lines('{"d": "2023-02-10"}', '', '{"d": "2023-02-10T08:00:00Z"}')),
      { d: 'DATE' },
    );
    assert.equal(err.line, 3);
    assert.match(err.reason, /is a date-time, not a DATE/);
  });

  it('refuses an empty file', async () => {
    assert.equal((await refusal(files.write('empty.ndjson', '\n\n'))).reason, 'the file is empty');
  });
});

describe('NUL characters in JSON and NDJSON files', () => {
  const nul = 'contains a NUL character (U+0000), which text values cannot hold';

  it('refuses a string value holding U+0000 in NDJSON, naming its line and field', async () => {
    const err = await refusal(files.write('nul.ndjson', '{"id":1,"summary":"a"}\n{"id":2,"summary":"a\\u0000b"}\n'));
    assert.equal(err.line, 2);
    assert.equal(err.reason, `field "summary" ${nul}`);
  });

  it('refuses a field name holding U+0000 in a JSON array', async () => {
    const err = await refusal(files.write('nul-key.json', '[\n{"id":1},\n{"i\\u0000d":2}\n]'));
    assert.equal(err.line, 3);
    assert.equal(err.reason, `the field name "i\\u0000d" ${nul}`);
  });

  it('keeps U+0000 inside a nested value, which is stored as JSON text with it escaped', async () => {
    const { rows } = await load(files.write('nul-nested.ndjson', '{"id":1,"meta":{"k":"a\\u0000b"}}\n'));
    assert.deepEqual(rows, [[1, '{"k":"a\\u0000b"}']]);
  });
});
