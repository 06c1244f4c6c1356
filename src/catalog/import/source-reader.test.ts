import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { closeSync, openSync, writeFileSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { promisify } from 'node:util';
import type { FieldType, Value } from '../types.ts';
import { formatOf, ImportError, importMessage, planImport, readRows, readSample } from './source-reader.ts';
import { refusal, tempFiles } from '../../../test/support/import-files.ts';

const files = tempFiles();
after(() => files.cleanup());

describe('formatOf', () => {
  it('tells the format by extension, in any case', () => {
    assert.equal(formatOf('a.csv'), 'csv');
    assert.equal(formatOf('/x/B.CSV'), 'csv');
    assert.equal(formatOf('a.json'), 'json');
    assert.equal(formatOf('a.ndjson'), 'ndjson');
    assert.equal(formatOf('a.Jsonl'), 'ndjson');
    assert.equal(formatOf('a.txt'), null);
    assert.equal(formatOf('csv'), null);
  });
});

describe('planImport', () => {
  it('reports rows and bytes', async () => {
    const content = 'a,b\n1,2\n3,4\n';
    const plan = await planImport(files.write('size.csv', content), {});
    assert.deepEqual(plan, {
      format: 'csv',
      dates: null,
      fields: [
        { name: 'a', type: 'NUMBER' },
        { name: 'b', type: 'NUMBER' },
      ],
      rows: 2,
      bytes: Buffer.byteLength(content),
    });
  });

  it('refuses an unsupported extension, a missing file and an unknown type name', async () => {
    assert.equal(
      (await refusal(files.write('data.txt', 'a\n1\n'))).reason,
      'unsupported file type; expected .csv, .json, .ndjson or .jsonl',
    );
    const missing = await refusal(join(files.dir, 'missing.csv'));
    assert.equal(missing.message, 'missing.csv: cannot read the file (ENOENT)');
    const badType = await refusal(files.write('type.csv', 'a\n1\n'), { a: 'INTEGER' as FieldType });
    assert.match(badType.reason, /^unknown type "INTEGER" for field "a"/);
  });

  it('infers and reads DATE and DATETIME in a chosen date format, from CSV and NDJSON alike', async () => {
    const csv = files.write(
      'eu.csv',
      'id,day,at,mixed,note\n1,10.02.2023,10.02.2023 08:50,2023-02-10,01.02.2023\n2,29.02.2024,1.3.2024,1.3.2024,x\n',
    );
    const ndjson = files.write(
      'eu.ndjson',
      '{"id":1,"day":"10.02.2023","at":"10.02.2023 08:50","mixed":"2023-02-10","note":"01.02.2023"}\n' +
        '{"id":2,"day":"29.02.2024","at":"1.3.2024","mixed":"1.3.2024","note":"x"}\n',
    );
    for (const file of [csv, ndjson]) {
      const plan = await planImport(file, { dateFormat: 'DD.MM.YYYY' });
      assert.equal(plan.dates?.name, 'DD.MM.YYYY');
      assert.deepEqual(
        plan.fields.map((f) => f.type),
        ['NUMBER', 'DATE', 'DATETIME', 'DATE', 'TEXT'],
      );
      const rows: Value[][] = [];
      await readRows(file, plan, (batch) => void rows.push(...batch));
      assert.deepEqual(rows, [
        [1, '2023-02-10', Date.UTC(2023, 1, 10, 8, 50), '2023-02-10', '01.02.2023'],
        [2, '2024-02-29', Date.UTC(2024, 2, 1), '2024-03-01', 'x'],
      ]);
      // Without the format the same file has no dates but the ISO one.
      const plain = await planImport(file, {});
      assert.deepEqual(
        plain.fields.map((f) => f.type),
        ['NUMBER', 'TEXT', 'TEXT', 'TEXT', 'TEXT'],
      );
    }
  });

  it('names the chosen date format when a value forced to DATE is not one', async () => {
    const file = files.write('us.csv', 'day\n02/10/2023\n02/30/2023\n');
    await assert.rejects(planImport(file, { types: { day: 'DATE' }, dateFormat: 'MM/DD/YYYY' }), (e: ImportError) => {
      assert.equal(e.line, 3);
      assert.equal(e.reason, 'field "day": "02/30/2023" is not a DATE (MM/DD/YYYY or YYYY-MM-DD)');
      return true;
    });
    const timed = files.write('us-timed.csv', 'day\n02/10/2023 08:50\n');
    await assert.rejects(planImport(timed, { types: { day: 'DATE' }, dateFormat: 'MM/DD/YYYY' }), (e: ImportError) => {
      assert.equal(e.reason, 'field "day": "02/10/2023 08:50" is a date-time, not a DATE (MM/DD/YYYY or YYYY-MM-DD)');
      return true;
    });
  });

  it('reports progress, ending with the whole file', async () => {
    const file = files.write('progress.csv', 'a\n' + '1\n'.repeat(100_000));
    const calls: [number, number][] = [];
    const plan = await planImport(file, { onProgress: (read, total) => calls.push([read, total]) });
    assert.ok(calls.length >= 1);
    assert.deepEqual(calls.at(-1), [plan.bytes, plan.bytes]);
    assert.ok(calls.every(([read, total]) => read <= total && total === plan.bytes));
  });
});

describe('readRows', () => {
  const csv = 'id,v\n' + Array.from({ length: 25_000 }, (_, i) => `${i},"row ${i}, quoted"\n`).join('');

  it('sends batches of the requested size, in file order, awaiting each one', async () => {
    const file = files.write('batches.csv', csv);
    const plan = await planImport(file, {});
    const sizes: number[] = [];
    const ids: Value[] = [];
    let inFlight = 0;
    await readRows(
      file,
      plan,
      async (rows) => {
        assert.equal(++inFlight, 1);
        sizes.push(rows.length);
        for (const row of rows) ids.push(row[0]);
        await new Promise((resolve) => setTimeout(resolve, 1));
        inFlight--;
      },
      { batchSize: 1000 },
    );
    assert.deepEqual(sizes, Array(25).fill(1000));
    assert.deepEqual(
      ids,
      Array.from({ length: 25_000 }, (_, i) => i),
    );
  });

  it('uses batches of 5,000 rows by default and accepts a synchronous callback', async () => {
    const file = files.write('default-batches.csv', csv);
    const sizes: number[] = [];
    await readRows(file, await planImport(file, {}), (rows) => {
      sizes.push(rows.length);
    });
    assert.deepEqual(sizes, [5000, 5000, 5000, 5000, 5000]);
  });

  it('batches JSON and NDJSON rows too', async () => {
    const objects = Array.from({ length: 2500 }, (_, i) => ({ id: i }));
    for (const [name, content] of [
      ['batches.json', JSON.stringify(objects)],
      ['batches.ndjson', objects.map((o) => JSON.stringify(o)).join('\n')],
    ] as const) {
      const file = files.write(name, content);
      const sizes: number[] = [];
      await readRows(
        file,
        await planImport(file, {}),
        async (rows) => {
          sizes.push(rows.length);
          await new Promise((resolve) => setImmediate(resolve));
        },
        { batchSize: 1000 },
      );
      assert.deepEqual(sizes, [1000, 1000, 500], name);
    }
  });

  it('stops reading and passes on the error when onBatch throws, on this thread or its own', async () => {
    const file = files.write('throws.csv', csv);
    const plan = await planImport(file, {});
    for (const thread of [false, true]) {
      const failure = new Error('store failed');
      let calls = 0;
      await assert.rejects(
        readRows(
          file,
          plan,
          () => {
            calls++;
            throw failure;
          },
          { batchSize: 100, thread },
        ),
        (e) => e === failure,
      );
      assert.equal(calls, 1, `thread: ${thread}`);
    }
  });

  it('refuses a file that changed after planning', async () => {
    const file = files.write('changed.csv', 'a,b\n1,2\n');
    const plan = await planImport(file, {});
    writeFileSync(file, 'a,b\n1,2\n3,4\n');
    await assert.rejects(
      readRows(file, plan, () => {}),
      (err: unknown) => err instanceof ImportError && err.reason === 'the file changed after the import was planned',
    );
    writeFileSync(file, 'a,c\n1,2\n');
    await assert.rejects(
      readRows(file, plan, () => {}),
      (err: unknown) => err instanceof ImportError && err.line === 1,
    );
  });
});

describe('readSample', () => {
  it('returns the first n rows of each format, or all of a shorter file', async () => {
    const csv = files.write('sample.csv', ['n,t', ...Array.from({ length: 30 }, (_, i) => `${i},x${i}`)].join('\n'));
    const plan = await planImport(csv);
    assert.deepEqual(await readSample(csv, plan, 3), [
      [0, 'x0'],
      [1, 'x1'],
      [2, 'x2'],
    ]);
    assert.equal((await readSample(csv, plan, 100)).length, 30);
    const nd = files.write('sample.ndjson', Array.from({ length: 30 }, (_, i) => JSON.stringify({ n: i })).join('\n'));
    assert.deepEqual(await readSample(nd, await planImport(nd), 2), [[0], [1]]);
  });

  it('reads no further than the sample: a fault near the end of the file is never reached', async () => {
    // 1.6 MB, far past the first 64 KiB chunk; the last row is changed after planning
    // to a value pass 2 refuses, with the size kept, so only a full read meets it.
    const text = 'n\n' + '1234567\n'.repeat(200_000);
    const file = files.write('sample-big.csv', text);
    const plan = await planImport(file);
    writeFileSync(file, text.slice(0, -8) + 'abcdefg\n');
    assert.equal((await readSample(file, plan, 20)).length, 20);
    await assert.rejects(
      readRows(file, plan, () => undefined),
      ImportError,
    );
  });
});

describe('importMessage', () => {
  it('names the file as the admin knows it, with the line', () => {
    const e = new ImportError('/uploads/3f2a.csv', 7, 'expected 2 fields, found 1');
    assert.equal(e.message, '3f2a.csv line 7: expected 2 fields, found 1');
    assert.equal(importMessage(e, 'tickets.csv'), 'tickets.csv line 7: expected 2 fields, found 1');
    assert.equal(importMessage(new ImportError('/u/x.csv', null, 'no fields'), 'a.csv'), 'a.csv: no fields');
    assert.equal(importMessage(e), e.message);
  });
});

describe('streaming', () => {
  const child = join(fileURLToPath(new URL('.', import.meta.url)), 'source-reader.ts');

  it(
    'plans and reads a 50 MB CSV and a 20 MB JSON file with a heap capped far below their size',
    { timeout: 30_000 },
    async () => {
      const csv = join(files.dir, 'large.csv');
      const fd = openSync(csv, 'w');
      writeSync(fd, 'id,summary,created_at,billable,hours\n');
      for (let block = 0, id = 0; block < 80; block++) {
        let text = '';
        for (let i = 0; i < 10_000; i++, id++)
          text += `${id},"Ticket ${id}, printer offline",2023-02-10T08:50:28Z,${id % 2 === 0},${id % 37}.25\n`;
        writeSync(fd, text);
      }
      closeSync(fd);

      const json = join(files.dir, 'large.json');
      const jfd = openSync(json, 'w');
      writeSync(jfd, '[');
      for (let block = 0, id = 0; block < 40; block++) {
        const items: string[] = [];
        for (let i = 0; i < 5000; i++, id++)
          items.push(
            JSON.stringify({
              id,
              summary: `Ticket ${id}, printer offline`,
              created_at: '2023-02-10T08:50:28Z',
              tags: ['a'],
            }),
          );
        writeSync(jfd, (block === 0 ? '' : ',\n') + items.join(',\n'));
      }
      writeSync(jfd, ']\n');
      closeSync(jfd);

      // A child with a 48 MB heap: keeping either file's text or rows in memory would not fit.
      const script = files.write(
        'stream-check.mts',
        `import { planImport, readRows } from ${JSON.stringify(pathToFileURL(child).href)};
let peak = 0;
const sample = () => { peak = Math.max(peak, process.memoryUsage().heapUsed); };
const out = {};
for (const file of process.argv.slice(2)) {
  const plan = await planImport(file, { onProgress: sample });
  let rows = 0;
  await readRows(file, plan, (batch) => { rows += batch.length; sample(); });
  out[file] = { planned: plan.rows, rows, bytes: plan.bytes };
}
console.log(JSON.stringify({ out, peak }));`,
      );
      const { stdout } = await promisify(execFile)(
        process.execPath,
        ['--max-old-space-size=48', '--import', 'tsx', script, csv, json],
        { cwd: process.cwd() },
      );
      const { out, peak } = JSON.parse(stdout) as {
        out: Record<string, { planned: number; rows: number; bytes: number }>;
        peak: number;
      };
      assert.deepEqual(out[csv], { planned: 800_000, rows: 800_000, bytes: out[csv].bytes });
      assert.ok(out[csv].bytes > 50e6, `CSV is ${out[csv].bytes} bytes`);
      assert.deepEqual(out[json], { planned: 200_000, rows: 200_000, bytes: out[json].bytes });
      assert.ok(out[json].bytes > 20e6, `JSON is ${out[json].bytes} bytes`);
      assert.ok(peak < 40e6, `peak heap ${Math.round(peak / 1e6)} MB`);
    },
  );
});
