import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseWidgetSpec, resolveWidget } from '../src/catalog/widget/widget-spec.ts';
import type { Field } from '../src/catalog/types.ts';
import {
  applyTemplate,
  fittingFields,
  guessMapping,
  mappingProblem,
  TEMPLATES,
} from '../web/src/components/widgets/templates.ts';

const field = (name: string, type: Field['type'], i: number): Field => ({ name, type, column: `c${i}` });
// A dataset with a field of every type, so that every template field has fitting ones.
const FIELDS: Field[] = [
  ['Summary', 'TEXT'],
  ['Status', 'TEXT'],
  ['Date_Entered', 'DATETIME'],
  ['closed_on', 'DATE'],
  ['actual_hours', 'NUMBER'],
  ['billable', 'BOOLEAN'],
].map(([n, t], i) => field(n, t as Field['type'], i));
const byName = (t: string) => TEMPLATES.find((x) => x.id === t)!;

describe('template widgets', () => {
  it('offer only fields of a fitting type', () => {
    const t = byName('tickets-by-status-month');
    assert.deepEqual(
      fittingFields(t.fields[0], FIELDS).map((f) => f.name),
      ['Date_Entered', 'closed_on'],
    );
    assert.deepEqual(
      fittingFields(byName('hours-by-board').fields[1], FIELDS).map((f) => f.name),
      ['actual_hours'],
    );
  });

  it('guess a mapping from field names, each dataset field used once, "" where nothing fits', () => {
    assert.deepEqual(guessMapping(byName('tickets-by-status-month'), FIELDS), {
      date: 'Date_Entered',
      status: 'Status',
    });
    assert.deepEqual(guessMapping(byName('invoices-by-month'), [field('when', 'DATE', 0), field('n', 'TEXT', 1)]), {
      date: '',
      amount: '',
    });
  });

  it('say what is wrong with a mapping: a field missing, unknown or of the wrong type', () => {
    const t = byName('hours-by-board');
    assert.equal(mappingProblem(t, { board: 'Status' }, FIELDS), 'Choose the dataset field for “Hours”');
    assert.equal(mappingProblem(t, { board: 'Status', hours: 'nope' }, FIELDS), 'The dataset has no field “nope”');
    assert.equal(
      mappingProblem(t, { board: 'Status', hours: 'Summary' }, FIELDS),
      '“Hours” needs a NUMBER field; “Summary” is TEXT',
    );
    assert.equal(mappingProblem(t, { board: 'Status', hours: 'actual_hours' }, FIELDS), null);
  });

  it('apply to a spec that the server accepts against the dataset, for every template', () => {
    assert.ok(TEMPLATES.length >= 5);
    for (const t of TEMPLATES) {
      // The first fitting field for each template field (distinct where possible).
      const mapping: Record<string, string> = {};
      for (const tf of t.fields) mapping[tf.key] = fittingFields(tf, FIELDS)[0].name;
      assert.equal(mappingProblem(t, mapping, FIELDS), null, t.id);
      const spec = applyTemplate(t, '1234', mapping);
      assert.equal(spec.name, t.name);
      assert.equal(spec.chart, t.chart, t.id);
      const shape = parseWidgetSpec(spec);
      assert.ok(shape.ok, `${t.id}: ${shape.ok ? '' : shape.message}`);
      const plan = resolveWidget(shape.spec, FIELDS, 'Tickets');
      assert.ok(plan.ok, `${t.id}: ${plan.ok ? '' : plan.message}`);
    }
  });

  it('put the mapped names in the spec', () => {
    const spec = applyTemplate(byName('tickets-by-status-month'), 'ds1', { date: 'closed_on', status: 'Summary' }, 'X');
    assert.deepEqual(spec, {
      name: 'X',
      dataset: 'ds1',
      chart: 'bar',
      dimensions: [
        { field: 'closed_on', label: 'Month', bucket: 'month' },
        { field: 'Summary', label: 'Status' },
      ],
      measures: [{ agg: 'count', label: 'Tickets' }],
      sort: 'Month',
      stacked: true,
    });
  });
});
