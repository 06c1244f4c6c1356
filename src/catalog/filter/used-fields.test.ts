import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Field } from '../types.ts';
import { parseQuery } from './query-parser.ts';
import { NO_FIELDS, usedFields } from './used-fields.ts';

const fields: Field[] = [
  { name: 'Status', type: 'TEXT', column: 'c0' },
  { name: 'hours', type: 'NUMBER', column: 'c1' },
  { name: 'board', type: 'TEXT', column: 'c2' },
];
const parsed = (params: Record<string, string | string[]>) => {
  const r = parseQuery(params, fields, { maxSize: 100 });
  assert.ok(r.ok);
  return r.query;
};

describe('usedFields', () => {
  it('names the fields of filters, _sort and _fields as the dataset spells them, each once', () => {
    assert.deepEqual(
      usedFields(
        parsed({ status: ['open', 'closed'], 'hours[ne]': '3', _sort: '-HOURS,board', _fields: 'board', size: '5' }),
      ),
      { filter: ['Status', 'hours'], sort: ['hours', 'board'], select: ['board'] },
    );
  });

  it('a query naming no field shares one empty answer', () => {
    assert.equal(usedFields(parsed({ current: '2', size: '5', _numbers: 'string' })), NO_FIELDS);
  });
});
