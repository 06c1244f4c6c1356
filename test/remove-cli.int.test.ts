import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { after, before, describe, it } from 'node:test';
import { cliWorkspace, type CliRun, type CliWorkspace } from './support/cli-workspace.ts';
import { BIN } from './support/processes.ts';

describe('dataset remove and widget remove on the command line', () => {
  let ws: CliWorkspace;
  let tickets: string;
  let devices: string;
  let widget: string;
  const keys: Record<string, string> = {};

  /** Runs datagate on a pseudo-terminal (util-linux `script`), typing `input`. */
  function onTerminal(args: string[], input: string): Promise<CliRun> {
    const line = [BIN, ...args].map((a) => `'${a}'`).join(' ');
    return new Promise((resolve, reject) => {
      const child = spawn('script', ['-qec', line, '/dev/null'], { cwd: ws.dir, env: ws.env });
      let stdout = '';
      child.stdout.on('data', (d) => (stdout += d));
      child.on('error', reject);
      child.on('exit', (code) => resolve({ code, stdout, stderr: '' }));
      // Typed once the question is on the screen, as a person would.
      child.stdout.on('data', () => {
        if (/\[y\/N\] /.test(stdout) && !child.stdin.writableEnded) child.stdin.end(input);
      });
    });
  }

  const bindings = async () =>
    Object.fromEntries(
      (
        (await ws.dg('key', 'list')).keys as { name: string; bindings: { datasets: string[]; widgets: string[] } }[]
      ).map((k) => [k.name, k.bindings]),
    );

  before(async () => {
    ws = await cliWorkspace('remove');
    ws.write('tickets.csv', 'id,board,hours\n1,Help,2\n2,Ops,3\n');
    ws.write('devices.csv', 'id,name\n1,laptop\n');
    tickets = (await ws.dg('dataset', 'import', 'tickets.csv', '--name', 'Tickets')).id;
    devices = (await ws.dg('dataset', 'import', 'devices.csv', '--name', 'Devices')).id;
    ws.write(
      'w.json',
      JSON.stringify({
        name: 'Hours by board',
        dataset: tickets,
        chart: 'bar',
        dimensions: [{ field: 'board', label: 'Board' }],
        measures: [{ agg: 'sum', field: 'hours', label: 'Hours' }],
      }),
    );
    widget = (await ws.dg('widget', 'create', 'w.json')).id;
    for (const name of ['on-tickets', 'on-widget', 'on-devices'])
      keys[name] = (await ws.dg('key', 'create', '--name', name)).id;
    await ws.dg('key', 'bind', keys['on-tickets'], '--dataset', tickets);
    await ws.dg('key', 'bind', keys['on-widget'], '--widget', widget);
    await ws.dg('key', 'bind', keys['on-devices'], '--dataset', devices);
  });
  after(() => ws?.close());

  it('without a terminal and without --yes, refuses with exit 2 after saying what it would affect', async () => {
    const r = await ws.run(['dataset', 'remove', tickets]);
    assert.equal(r.code, 2, r.stderr);
    assert.match(r.stderr, /pass --yes/);
    assert.match(r.stderr, new RegExp(`dataset ${tickets} "Tickets": 2 rows`));
    assert.match(r.stderr, new RegExp(`widgets removed with it: Hours by board \\(${widget}\\)`));
    assert.match(
      r.stderr,
      /keys that lose their binding to it or to its widgets: on-tickets \(\d+\), on-widget \(\d+\)/,
    );
    assert.equal(r.stdout, '');
    const w = await ws.run(['widget', 'remove', widget]);
    assert.equal(w.code, 2);
    assert.match(w.stderr, /pass --yes/);
    // Nothing was removed.
    assert.equal((await ws.dg('dataset', 'list')).datasets.length, 2);
    assert.equal((await ws.dg('widget', 'list')).widgets.length, 1);
    assert.deepEqual((await bindings())['on-widget'].widgets, [widget]);
  });

  it('on a terminal asks, and an answer other than yes removes nothing (exit 1)', async () => {
    const r = await onTerminal(['dataset', 'remove', tickets], 'n\n');
    assert.equal(r.code, 1, r.stdout);
    assert.match(r.stdout, /remove dataset \d+ "Tickets"\? \[y\/N\]/);
    assert.match(r.stdout, /nothing was removed/);
    assert.equal((await ws.dg('dataset', 'list')).datasets.length, 2);
  });

  it('widget remove: on a terminal, yes removes the widget and its bindings only', async () => {
    const r = await onTerminal(['widget', 'remove', widget], 'y\n');
    assert.equal(r.code, 0, r.stdout);
    assert.match(r.stdout, new RegExp(`keys that lose their binding to it: on-widget \\(${keys['on-widget']}\\)`));
    assert.match(r.stdout, new RegExp(`removed widget ${widget} "Hours by board" and the bindings of 1 key`));
    assert.deepEqual((await ws.dg('widget', 'list')).widgets, []);
    const b = await bindings();
    assert.deepEqual(b['on-widget'].widgets, []);
    assert.deepEqual(b['on-tickets'].datasets, [tickets]);
  });

  it('dataset remove --yes --json removes the dataset, its widgets and their bindings; others stay', async () => {
    ws.write(
      'w2.json',
      JSON.stringify({ name: 'Count', dataset: tickets, chart: 'table', measures: [{ agg: 'count', label: 'N' }] }),
    );
    const w2 = (await ws.dg('widget', 'create', 'w2.json')).id;
    await ws.dg('key', 'bind', keys['on-widget'], '--widget', w2);
    const out = await ws.dg('dataset', 'remove', tickets, '--yes');
    assert.deepEqual(out, {
      removed: tickets,
      name: 'Tickets',
      rows: 2,
      widgets: [{ id: w2, name: 'Count' }],
      keys: [
        { id: keys['on-tickets'], name: 'on-tickets' },
        { id: keys['on-widget'], name: 'on-widget' },
      ],
    });
    assert.deepEqual(
      (await ws.dg('dataset', 'list')).datasets.map((d: { id: string }) => d.id),
      [devices],
    );
    assert.deepEqual((await ws.dg('widget', 'list')).widgets, []);
    const b = await bindings();
    assert.deepEqual(b['on-tickets'], { datasets: [], widgets: [] });
    assert.deepEqual(b['on-widget'], { datasets: [], widgets: [] });
    assert.deepEqual(b['on-devices'].datasets, [devices]);
    const again = await ws.dgFail('dataset', 'remove', tickets, '--yes');
    assert.equal(again.code, 1);
    assert.match(again.stderr, /not found|no dataset/i);
  });
});
