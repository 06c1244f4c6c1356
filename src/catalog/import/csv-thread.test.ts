import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import type { Value } from '../types.ts';
import { ImportError, planImport, readRows } from './source-reader.ts';
import { tempFiles } from '../../../test/support/import-files.ts';

const files = tempFiles();
after(() => files.cleanup());

/** Every batch readRows hands over, on the thread or not. */
async function batches(file: string, thread: boolean, batchSize = 3): Promise<Value[][][]> {
  const plan = await planImport(file);
  const out: Value[][][] = [];
  await readRows(file, plan, (rows) => void out.push(rows), { batchSize, thread });
  return out;
}

const CSV =
  '\uFEFFid,name,hours,opened,at,billable\n' +
  '9007199254740993,"Acme, Inc.",1.5,2024-02-29,2024-02-29T10:00:00Z,true\n' +
  '2,"say ""hi""",,2024-03-01,2024-03-01T00:00:00.5Z,false\n' +
  '3,Ünïcode,-0.25,,2024-03-02T23:59:59Z,\n' +
  '4,"two\nlines",1e3,2024-03-04,2024-03-04T01:02:03+02:00,true\n' +
  '5,,7,2024-03-05,2024-03-05T00:00:00Z,false\n' +
  '6,last,8,2024-03-06,2024-03-06T00:00:00Z,true\n';

describe('a CSV file read on a thread of its own', () => {
  it('hands over the same rows, in the same batches and order, as a read on this thread', async () => {
    const file = files.write('same.csv', CSV);
    const here = await batches(file, false);
    const there = await batches(file, true);
    assert.deepEqual(there, here);
    assert.equal(here.flat().length, 6);
    assert.equal(there[0][0][0], 9007199254740993n, 'a bigint crosses the thread as a bigint');
  });

  it('refuses a bad value with the same line and reason as a read on this thread', async () => {
    const file = files.write('bad.csv', 'id,hours\n1,2\n2,3\n3,4\n');
    const plan = await planImport(file, { types: { id: 'NUMBER', hours: 'NUMBER' } });
    // The plan says NUMBER; the file is changed in place to hold text on line 3, same size.
    files.write('bad.csv', 'id,hours\n1,2\n2,x\n3,4\n');
    const refusals: ImportError[] = [];
    for (const thread of [false, true]) {
      const e = await readRows(file, plan, () => {}, { thread }).then(
        () => assert.fail('refused'),
        (err: unknown) => err,
      );
      assert.ok(e instanceof ImportError, String(e));
      refusals.push(e);
    }
    assert.equal(refusals[1].message, refusals[0].message);
    assert.equal(refusals[1].line, 3);
  });

  it('reports progress to the end of the file', async () => {
    const file = files.write('progress.csv', CSV);
    const plan = await planImport(file);
    const seen: [number, number][] = [];
    await readRows(file, plan, () => {}, { thread: true, onProgress: (read, total) => seen.push([read, total]) });
    assert.deepEqual(seen.at(-1), [plan.bytes, plan.bytes]);
  });
});
