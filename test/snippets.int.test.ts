import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { promisify } from 'node:util';
import { snippet, fileName } from '../web/src/components/public-api/snippets.ts';
import { boundKey, createWidget, importDataset } from './support/fixtures.ts';
import { startTestServer, type TestServer } from './support/test-server.ts';

// The console's request snippets, run as an admin would copy them: each must fetch every
// matching row (2,500 rows here, three pages of 1,000), with the filters from "Try it".
// PowerShell is not available on this machine; its snippet is the same walk, reviewed.
const run = promisify(execFile);

const ROWS = 2500;
const CSV = [
  'id,status,hours',
  ...Array.from(
    { length: ROWS },
    (_, i) => `${1534956341424005000n + BigInt(i)},${i % 5 ? 'Open' : 'Closed'},${i % 7}`,
  ),
].join('\n');
const OPEN = ROWS - ROWS / 5;

describe('console snippets, run', () => {
  let t: TestServer;
  let base: string;
  let key: string;
  let dsId: string;
  let widgetId: string;

  before(async () => {
    t = await startTestServer({ DATAGATE_KEY_FAILURE_LIMIT: '1000' });
    dsId = (await importDataset(t, 'tickets.csv', CSV, 'Open tickets, 2026')).id;
    widgetId = (
      await createWidget(t, {
        name: 'By id',
        dataset: dsId,
        chart: 'table',
        dimensions: [{ field: 'id', label: 'Id' }],
        measures: [{ agg: 'sum', field: 'hours', label: 'Hours' }],
      })
    ).id;
    key = (await boundKey(t, { name: 'snippets', rateLimit: 1000, datasets: [dsId], widgets: [widgetId] })).key;
    await t.server.app.listen({ host: '127.0.0.1', port: 0 });
    const addr = t.server.app.server.address() as { port: number };
    base = `http://127.0.0.1:${addr.port}`;
  });
  after(() => t?.close());

  async function python(code: string): Promise<string> {
    const file = path.join(t.dir, `snippet-${Math.random().toString(36).slice(2)}.py`);
    fs.writeFileSync(file, code);
    return (await run('python3', [file], { timeout: 60_000 })).stdout;
  }

  it('Python walks every page of a dataset with the filters entered, exact 64-bit ids', async () => {
    const code = snippet('python', {
      base,
      kind: 'dataset',
      id: dsId,
      name: 'Tickets',
      key,
      params: { status: 'Open' },
    });
    assert.match(code, /FILTERS = \{"status": "Open"\}/);
    const out = await python(`${code}\nprint("ids", len({r["id"] for r in rows}), max(r["id"] for r in rows))`);
    assert.match(out, new RegExp(`^${OPEN} rows$`, 'm'));
    assert.match(out, new RegExp(`^ids ${OPEN} ${1534956341424005000n + BigInt(ROWS - 1)}$`, 'm'));
    assert.doesNotMatch(out, /'Closed'/);
  });

  it('Python walks every page of a widget', async () => {
    const code = snippet('python', { base, kind: 'widget', id: widgetId, name: 'By id', key, params: { Hours: '0' } });
    const out = await python(code);
    assert.match(out, new RegExp(`^${Math.ceil(ROWS / 7)} rows$`, 'm'));
  });

  it('Python stops with the server’s message on a bad filter', async () => {
    const code = snippet('python', { base, kind: 'dataset', id: dsId, name: 'T', key, params: { nope: 'x' } });
    await assert.rejects(python(code), (e: { stderr: string }) => /HTTP 400: .*nope/.test(e.stderr));
  });

  it('curl downloads every matching row as CSV in one request, with the filters entered', async () => {
    const code = snippet('curl', {
      base,
      kind: 'dataset',
      id: dsId,
      name: 'Open tickets, 2026',
      key,
      params: { status: 'Open' },
    });
    assert.match(code, /^curl -s -f -o 'Open_tickets_2026\.csv'/m);
    await run('bash', ['-c', code], { cwd: t.dir, timeout: 60_000 });
    const lines = fs.readFileSync(path.join(t.dir, 'Open_tickets_2026.csv'), 'utf8').trimEnd().split('\r\n');
    assert.equal(lines[0], 'id,status,hours');
    assert.equal(lines.length - 1, OPEN);
    assert.ok(lines.slice(1).every((l) => l.split(',')[1] === 'Open'));
    assert.ok(lines.includes(`${1534956341424005000n + 1n},Open,1`), 'exact 64-bit ids');
    // A widget too, and a bad filter fails (curl -f) instead of writing an error as data.
    const widgetCode = snippet('curl', { base, kind: 'widget', id: widgetId, name: 'By id', key });
    await run('bash', ['-c', widgetCode], { cwd: t.dir, timeout: 60_000 });
    assert.equal(fs.readFileSync(path.join(t.dir, 'By_id.csv'), 'utf8').trimEnd().split('\r\n').length - 1, ROWS);
    const bad = snippet('curl', { base, kind: 'dataset', id: dsId, name: 'Bad', key, params: { nope: 'x' } });
    await assert.rejects(run('bash', ['-c', bad], { cwd: t.dir, timeout: 60_000 }));
    assert.ok(!fs.existsSync(path.join(t.dir, 'Bad.csv')));
  });

  it('the PowerShell snippet carries the filters and the walk', () => {
    const code = snippet('powershell', {
      base,
      kind: 'dataset',
      id: dsId,
      name: 'T',
      key,
      params: { status: "O'pen" },
    });
    assert.match(code, /\$filters = 'status=O%27pen'/);
    assert.match(code, /size=1000/);
    assert.match(code, /Retry-After/);
    assert.match(code, /X-Dataset-Version/);
  });

  it('file names are safe on every system', () => {
    assert.equal(fileName('Open tickets, 2026', 'csv'), 'Open_tickets_2026.csv');
    assert.equal(fileName('../../etc/passwd', 'csv'), 'etc_passwd.csv');
    assert.equal(fileName('Überblick', 'xlsx'), 'berblick.xlsx');
    assert.equal(fileName('***', 'csv'), 'export.csv');
  });
});
