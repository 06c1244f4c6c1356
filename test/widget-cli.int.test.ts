import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { cliWorkspace, type CliWorkspace } from './support/cli-workspace.ts';

describe('widget commands, end to end in a temporary directory', () => {
  let ws: CliWorkspace;
  let dsId: string;
  const dg = (...args: string[]) => ws.dg(...args);
  const dgFail = (...args: string[]) => ws.dgFail(...args);
  const run = (args: string[]) => ws.run(args);
  const spec = (name: string, value: unknown) =>
    ws.write(name, typeof value === 'string' ? value : JSON.stringify(value));

  before(async () => {
    ws = await cliWorkspace('widget-cli');
    ws.write('tickets.csv', 'board,hours,opened\nDesk,1.5,2024-01-02\nDesk,2,2024-02-03\nProjects,4,2024-02-04\n');
    dsId = (await dg('dataset', 'import', 'tickets.csv', '--name', 'Tickets')).id;
  });
  after(() => ws?.close());

  const hoursByBoard = () => ({
    name: 'Hours by board',
    dataset: dsId,
    chart: 'bar',
    dimensions: [{ field: 'board', label: 'Board' }],
    measures: [{ agg: 'sum', field: 'hours', label: 'Sum' }],
    sort: '-Sum',
  });

  it('creates and lists widgets, binds one to a key, and serves it', async () => {
    const created = await dg('widget', 'create', spec('w.json', hoursByBoard()));
    assert.deepEqual(Object.keys(created), ['id', 'name']);
    assert.match(created.id, /^\d{19}$/);
    assert.equal(created.name, 'Hours by board');
    const human = await run([
      'widget',
      'create',
      spec('m.json', {
        name: 'Monthly',
        dataset: dsId,
        chart: 'line',
        dimensions: [{ field: 'opened', label: 'Month', bucket: 'month' }],
      }),
    ]);
    assert.match(human.stdout, /^created widget \d{19} "Monthly" over dataset \d{19}\n$/);

    const list = await dg('widget', 'list');
    assert.deepEqual(
      list.widgets.map((w: { name: string }) => w.name),
      ['Hours by board', 'Monthly'],
    );
    assert.deepEqual(
      { ...list.widgets[0], createdAt: undefined, modifiedAt: undefined },
      {
        id: created.id,
        name: 'Hours by board',
        chart: 'bar',
        datasetId: dsId,
        version: 1,
        createdAt: undefined,
        modifiedAt: undefined,
        // As created, with the defaults filled in, in the stored order.
        spec: { ...hoursByBoard(), filter: '', sort: '-Sum', limit: null },
        broken: null,
      },
    );
    assert.match(
      (await run(['widget', 'list'])).stdout,
      new RegExp(`^${created.id}  Hours by board  bar  dataset ${dsId}  version 1\n`),
    );

    const key = await dg('key', 'create', '--name', 'client');
    assert.deepEqual((await dg('key', 'bind', key.id, '--widget', created.id)).bound, {
      key: key.id,
      widget: created.id,
    });
    assert.deepEqual((await dg('key', 'list')).keys[0].bindings.widgets, [created.id]);

    const server = await ws.serve();
    const url = server.url;
    const res = await fetch(`${url}/api/widget/${created.id}`, { headers: { apikey: key.key } });
    assert.equal(res.status, 200);
    assert.equal(res.headers.get('x-total-count'), '2');
    assert.deepEqual(await res.json(), {
      code: 0,
      msg: 'success',
      data: [
        { Board: 'Projects', Sum: '4' },
        { Board: 'Desk', Sum: '3.5' },
      ],
    });

    // A widget created by the command line while the server runs is served within a second.
    const later = await dg(
      'widget',
      'create',
      spec('n.json', { name: 'Count', dataset: dsId, chart: 'number', measures: [{ agg: 'count', label: 'N' }] }),
    );
    await dg('key', 'bind', key.id, '--widget', later.id);
    let status = 0;
    for (const started = Date.now(); status !== 200 && Date.now() - started < 2000;) {
      status = (await fetch(`${url}/api/widget/${later.id}`, { headers: { apikey: key.key } })).status;
      if (status !== 200) await new Promise((r) => setTimeout(r, 50));
    }
    assert.equal(status, 200);

    assert.deepEqual(await dg('key', 'unbind', key.id, '--widget', created.id), {
      unbound: { key: key.id, widget: created.id },
    });
    assert.equal(await server.stop(), 0);
  });

  it('refuses an invalid spec, a missing or malformed file with exit 1 and the reason on stderr', async () => {
    const cases: [string, RegExp][] = [
      [
        spec('unknown-ds.json', { name: 'x', dataset: '42', chart: 'bar', measures: [{ agg: 'count', label: 'N' }] }),
        /Unknown dataset "42"/,
      ],
      [
        spec('unknown-field.json', {
          name: 'x',
          dataset: dsId,
          chart: 'bar',
          dimensions: [{ field: 'team', label: 'T' }],
        }),
        /dimensions\[0\] names field "team", which dataset "Tickets" does not have/,
      ],
      [
        spec('bad-agg.json', {
          name: 'x',
          dataset: dsId,
          chart: 'bar',
          measures: [{ agg: 'median', field: 'hours', label: 'M' }],
        }),
        /measures\[0\]\.agg must be one of count, count_distinct, sum, avg, min, max/,
      ],
      [
        spec('bad-bucket.json', {
          name: 'x',
          dataset: dsId,
          chart: 'bar',
          dimensions: [{ field: 'hours', label: 'H', bucket: 'month' }],
        }),
        /only DATE and DATETIME fields have buckets/,
      ],
      [spec('invalid.json', '{"name": '), /invalid\.json is not valid JSON/],
      ['missing.json', /no file missing\.json/],
    ];
    for (const [file, message] of cases) {
      const r = await dgFail('widget', 'create', file);
      assert.equal(r.code, 1, file);
      assert.match(r.stderr, message, file);
      assert.equal(r.stdout, '', file);
    }
    const bind = await dgFail('key', 'bind', (await dg('key', 'create', '--name', 'k2')).id, '--widget', '42');
    assert.equal(bind.code, 1);
    assert.match(bind.stderr, /no widget "42"/);
  });

  it('exits 2 on usage errors and has --help on both commands', async () => {
    const usage = await dgFail('widget', 'create');
    assert.equal(usage.code, 2);
    assert.match(usage.stderr, /missing required argument 'file'/);
    assert.equal((await dgFail('widget', 'nope')).code, 2);
    for (const args of [['widget'], ['widget', 'create'], ['widget', 'list']]) {
      const r = await run([...args, '--help']);
      assert.match(r.stdout, /Usage: datagate widget/, args.join(' '));
    }
  });
});
