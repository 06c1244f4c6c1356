import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { cliWorkspace, type CliWorkspace } from './support/cli-workspace.ts';

describe('dataset import --replace: what the new fields break', () => {
  let ws: CliWorkspace;
  let dsId: string;
  let byStatus: string;
  let byBoard: string;
  let keyId: string;
  let reader: { id: string; key: string };

  before(async () => {
    ws = await cliWorkspace('schema-drift-cli');
    ws.write('t.csv', 'board,status,hours\nDesk,open,1\nProjects,closed,2\n');
    ws.write('renamed.csv', 'board,state,hours\nDesk,open,1\nProjects,closed,2\n');
    dsId = (await ws.dg('dataset', 'import', 't.csv', '--name', 'Tickets')).id;
    const spec = (name: string, field: string) =>
      ws.write(
        `${field}.json`,
        JSON.stringify({ name, dataset: dsId, chart: 'table', dimensions: [{ field, label: field }] }),
      );
    byStatus = (await ws.dg('widget', 'create', spec('By status', 'status'))).id;
    byBoard = (await ws.dg('widget', 'create', spec('By board', 'board'))).id;
    keyId = (await ws.dg('key', 'create', '--name', 'partner')).id;
    await ws.dg('key', 'bind', keyId, '--dataset', dsId, '--where', 'status[eq]=open');
    await ws.dg('key', 'bind', keyId, '--widget', byBoard, '--where', 'board[eq]=Desk');
    reader = await ws.dg('key', 'create', '--name', 'reader');
    await ws.dg('key', 'bind', reader.id, '--dataset', dsId);
  });
  after(() => ws?.close());

  it('a reload that keeps the fields breaks nothing: no warning, breaks []', async () => {
    const run = await ws.run(['--json', 'dataset', 'import', 't.csv', '--replace', dsId]);
    assert.equal(run.code, 0, run.stderr);
    assert.deepEqual(JSON.parse(run.stdout).breaks, []);
    assert.doesNotMatch(run.stderr, /warning/);
    // A new dataset has no breaks to tell.
    assert.equal((await ws.dg('dataset', 'import', 't.csv', '--name', 'Other')).breaks, undefined);
  });

  it('a rename warns on stderr, lists the breaks in --json and applies anyway', async () => {
    // A client of "reader" filters on status through a server; the server writes what it
    // saw (at the latest when it stops), and the command line reads it from the database.
    const server = await ws.serve();
    const res = await fetch(`${server.url}/api/dataset/${dsId}?status=open&_sort=board`, {
      headers: { apikey: reader.key },
    });
    assert.equal(res.status, 200);
    assert.equal(await server.stop(), 0);
    const run = await ws.run(['--json', 'dataset', 'import', 'renamed.csv', '--replace', dsId]);
    assert.equal(run.code, 0, run.stderr);
    const answer = JSON.parse(run.stdout);
    assert.deepEqual(
      answer.fields.map((f: { name: string }) => f.name),
      ['board', 'state', 'hours'],
    );
    assert.deepEqual(
      answer.breaks.map((b: { kind: string; id: string; key?: { id: string } }) => [b.kind, b.id, b.key?.id]),
      [
        ['widget', byStatus, undefined],
        ['scope', dsId, keyId],
        ['field', dsId, reader.id],
      ],
    );
    for (const b of answer.breaks) assert.match(b.reason, /status/);
    // Sorted on "board", which stays: only the filter on "status" is listed.
    assert.deepEqual(answer.breaks[2].uses, ['filter']);
    assert.equal(answer.breaks[2].field, 'status');
    assert.match(run.stderr, /warning: .* these will answer 409/);
    assert.match(run.stderr, new RegExp(`widget ${byStatus} "By status": .*status`));
    assert.match(run.stderr, new RegExp(`scope of key ${keyId} "partner" on ${dsId} "Tickets"`));
    assert.match(run.stderr, /warning: the new fields break 1 field\(s\) that keys' clients used in the last day/);
    assert.match(
      run.stderr,
      new RegExp(`key ${reader.id} "reader" on ${dsId} "Tickets": its clients filtered on field "status" \\(last at `),
    );
    assert.ok(!run.stderr.includes(reader.key) && !run.stdout.includes(reader.key), 'no secret printed');
  });

  it('widget list and key list mark what is broken now', async () => {
    const widgets = (await ws.dg('widget', 'list')).widgets;
    const broken = widgets.find((w: { id: string }) => w.id === byStatus).broken;
    assert.match(broken, /"status"/);
    assert.equal(widgets.find((w: { id: string }) => w.id === byBoard).broken, null);
    const human = (await ws.run(['widget', 'list'])).stdout;
    assert.match(human, new RegExp(`${byStatus}  By status .* broken: .*status`));
    assert.doesNotMatch(
      human.split('\n').find((l) => l.startsWith(byBoard))!,
      /broken/,
    );

    const key = (await ws.dg('key', 'list')).keys.find((k: { id: string }) => k.id === keyId);
    const scope = (type: string) => key.scopes.find((s: { type: string }) => s.type === type);
    assert.match(scope('dataset').broken, /status/);
    assert.equal(scope('widget').broken, null);
    assert.match((await ws.run(['key', 'list'])).stdout, new RegExp(`broken: scope on dataset ${dsId}: .*status`));
  });
});
