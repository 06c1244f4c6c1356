import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Field } from '../catalog/index.ts';
import type { WidgetSpec } from '../catalog/index.ts';
import type { FieldUse } from '../access/index.ts';
import { describeBreaks, schemaBreaks, type ScopedBinding } from './schema-breaks.ts';

const f = (name: string, type: Field['type'], i: number): Field => ({ name, type, column: `c${i}` });
const current = [f('region', 'TEXT', 0), f('status', 'TEXT', 1), f('amount', 'NUMBER', 2)];
const dataset = { id: 'ds1', name: 'orders', fields: current };
const spec = (dim: string, filter = ''): WidgetSpec =>
  ({
    chart: 'table',
    dimensions: [{ field: dim, label: dim }],
    measures: [{ agg: 'count', label: 'n' }],
    filter,
    sort: '',
    limit: 100,
  }) as unknown as WidgetSpec;
const widgets = [
  { id: 'w1', name: 'By status', spec: spec('status') },
  { id: 'w2', name: 'By region', spec: spec('region') },
  { id: 'w3', name: 'Open by region', spec: spec('region', 'status=open') },
];
const bind = (keyName: string, type: ScopedBinding['type'], resourceId: string, where: string): ScopedBinding => ({
  keyId: `k-${keyName}`,
  keyName,
  type,
  resourceId,
  where,
  whereTypes: { status: 'TEXT', region: 'TEXT', amount: 'NUMBER' },
});

describe('schemaBreaks', () => {
  it('names nothing when the fields keep what everything uses', () => {
    const newFields = [...current, f('extra', 'DATE', 3)];
    assert.deepEqual(
      schemaBreaks({ dataset, newFields, widgets, bindings: [bind('a', 'dataset', 'ds1', 'status=open')] }),
      [],
    );
  });

  it('lists widgets and scopes a renamed field breaks, with reasons naming it', () => {
    const newFields = [f('region', 'TEXT', 0), f('state', 'TEXT', 1), f('amount', 'NUMBER', 2)];
    const bindings = [
      bind('partner', 'dataset', 'ds1', 'status=open'),
      bind('board', 'widget', 'w2', 'status=open'),
      bind('fine', 'dataset', 'ds1', 'region=north'),
      bind('everything', 'dataset', 'ds1', ''),
      // Another dataset's binding with the same scope is not this reload's business.
      bind('elsewhere', 'dataset', 'ds2', 'status=open'),
    ];
    const breaks = schemaBreaks({ dataset, newFields, widgets, bindings });
    assert.deepEqual(
      breaks.map((b) => [b.kind, b.id, b.name, b.key?.name]),
      [
        ['widget', 'w1', 'By status', undefined],
        ['widget', 'w3', 'Open by region', undefined],
        ['scope', 'w2', 'By region', 'board'],
        ['scope', 'ds1', 'orders', 'partner'],
      ],
    );
    for (const b of breaks) assert.match(b.reason, /status/, b.reason);
  });

  it('flags a scope whose field changes type, and a widget summing a field no longer a number', () => {
    const newFields = [f('region', 'TEXT', 0), f('status', 'NUMBER', 1), f('amount', 'TEXT', 2)];
    const sum = {
      id: 'w4',
      name: 'Total',
      spec: { ...spec('region'), measures: [{ agg: 'sum' as const, field: 'amount', label: 't' }] },
    };
    const breaks = schemaBreaks({
      dataset,
      newFields,
      widgets: [sum],
      bindings: [bind('p', 'dataset', 'ds1', 'status=1')],
    });
    assert.deepEqual(
      breaks.map((b) => b.kind),
      ['widget', 'scope'],
    );
    assert.match(breaks[0].reason, /amount/);
    assert.match(breaks[1].reason, /"status" changed type/);
  });

  it('leaves out what is broken already', () => {
    const stale = { id: 'w9', name: 'Stale', spec: spec('gone') };
    const newFields = [f('region', 'TEXT', 0)];
    const breaks = schemaBreaks({
      dataset,
      newFields,
      widgets: [stale],
      bindings: [bind('x', 'dataset', 'ds1', 'gone=1')],
    });
    assert.deepEqual(breaks, []);
  });

  describe('fields keys’ clients used lately', () => {
    const LAST = '2026-12-07T02:00:00.000Z';
    const use = (keyName: string, field: string, uses: FieldUse['uses']): FieldUse => ({
      keyId: `k-${keyName}`,
      keyName,
      field,
      uses,
      lastUsedAt: LAST,
    });

    it('names the key and the field that vanish, with how and when they were used, after widgets and scopes', () => {
      const newFields = [f('region', 'TEXT', 0), f('state', 'TEXT', 1), f('amount', 'NUMBER', 2)];
      const breaks = schemaBreaks({
        dataset,
        newFields,
        widgets: [],
        bindings: [bind('partner', 'dataset', 'ds1', 'status=open')],
        fieldUses: [
          use('zeta', 'status', ['sort']),
          use('alpha', 'status', ['filter', 'select']),
          use('alpha', 'region', ['filter']),
        ],
      });
      assert.deepEqual(
        breaks.map((b) => [b.kind, b.id, b.name, b.key?.name, b.field, b.uses, b.lastUsedAt]),
        [
          ['scope', 'ds1', 'orders', 'partner', undefined, undefined, undefined],
          ['field', 'ds1', 'orders', 'alpha', 'status', ['filter', 'select'], LAST],
          ['field', 'ds1', 'orders', 'zeta', 'status', ['sort'], LAST],
        ],
      );
      assert.equal(
        breaks[1].reason,
        `its clients filtered and selected on field "status" (last at ${LAST}), which the new fields no longer have`,
      );
      const text = describeBreaks(breaks);
      assert.match(text, /break 1 widget\(s\) or key scope\(s\); these will answer 409/);
      assert.match(text, /break 2 field\(s\) that keys' clients used in the last day/);
      assert.match(text, / {2}key k-alpha "alpha" on ds1 "orders": its clients filtered and selected/);
    });

    it('a filtered field that changes type breaks; a sorted or selected one only when it vanishes', () => {
      const newFields = [f('region', 'NUMBER', 0), f('status', 'NUMBER', 1), f('amount', 'NUMBER', 2)];
      const breaks = schemaBreaks({
        dataset,
        newFields,
        widgets: [],
        bindings: [],
        fieldUses: [
          use('a', 'region', ['sort', 'select']),
          use('b', 'status', ['filter']),
          use('c', 'amount', ['filter']),
        ],
      });
      assert.deepEqual(
        breaks.map((b) => [b.key?.name, b.field]),
        [['b', 'status']],
      );
      assert.match(breaks[0].reason, /changes from TEXT to NUMBER/);
    });

    it('a field still found case-insensitively is no break; one that became ambiguous is', () => {
      const renamed = [
        f('Region', 'TEXT', 0),
        f('status', 'TEXT', 1),
        f('Status', 'TEXT', 3),
        f('amount', 'NUMBER', 2),
      ];
      const breaks = schemaBreaks({
        dataset: { ...dataset, fields: [f('region', 'TEXT', 0), f('Status', 'TEXT', 1), f('amount', 'NUMBER', 2)] },
        newFields: renamed,
        widgets: [],
        bindings: [],
        fieldUses: [use('a', 'region', ['filter']), use('b', 'Status', ['filter'])],
      });
      // "Status" is still there exactly; "region" finds "Region".
      assert.deepEqual(breaks, []);
      const ambiguous = schemaBreaks({
        dataset,
        newFields: [f('Region', 'TEXT', 0), f('REGION', 'TEXT', 4), ...current.slice(1)],
        widgets: [],
        bindings: [],
        fieldUses: [use('a', 'region', ['filter'])],
      });
      assert.match(ambiguous[0].reason, /now matches "Region", "REGION"/);
    });

    it('a field gone before this reload is not this reload’s break', () => {
      const breaks = schemaBreaks({
        dataset,
        newFields: [f('region', 'TEXT', 0)],
        widgets: [],
        bindings: [],
        fieldUses: [use('a', 'vanished-earlier', ['filter'])],
      });
      assert.deepEqual(breaks, []);
    });
  });
});
