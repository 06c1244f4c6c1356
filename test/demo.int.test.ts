import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, describe, it } from 'node:test';

const BIN = path.resolve('bin/datagate');

/** Starts `datagate demo` and resolves with the curl line it prints. */
function startDemo(dir: string) {
  const child = spawn(BIN, ['demo', '--port', '0'], {
    cwd: dir,
    env: { ...process.env, DATAGATE_DATABASE: undefined, DATAGATE_LOG_LEVEL: 'warn' },
  });
  const curl = new Promise<{ url: string; key: string }>((resolve, reject) => {
    let err = '';
    child.stderr.on('data', (d) => {
      err += d;
      const m = err.match(/curl -s '([^']+)' -H 'apikey: ([^']+)'/);
      if (m) resolve({ url: m[1], key: m[2] });
    });
    child.on('exit', (code) => reject(new Error(`demo exited ${code}: ${err}`)));
  });
  return { child, curl };
}

describe('the quick start: datagate demo', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'datagate-demo-'));
  after(() => fs.rmSync(dir, { recursive: true, force: true }));

  it(
    'starts with generated MSP datasets, a bound key and ' + 'a curl line that works; a second start reuses them',
    async () => {
      const first = startDemo(dir);
      const { url, key } = await first.curl;
      assert.ok(fs.existsSync(path.join(dir, 'data', 'demo.db')));
      const res = await fetch(url, { headers: { apikey: key } });
      assert.equal(res.status, 200);
      const body = await res.json();
      assert.equal(body.code, 0);
      assert.equal(body.data.records.length, 5);
      assert.ok(body.data.total >= 1000, `total ${body.data.total}`);
      assert.match(JSON.stringify(body.data.records[0]), /"summary":/);

      const list = await (await fetch(new URL('/api/datasets', url), { headers: { apikey: key } })).json();
      assert.deepEqual(
        list.data.map((d: { name: string }) => d.name),
        ['Tickets', 'Devices', 'Invoices'],
      );
      for (const d of list.data) assert.ok(d.rows >= 1000, `${d.name}: ${d.rows} rows`);

      first.child.kill('SIGTERM');
      assert.equal(await new Promise((r) => first.child.on('exit', r)), 0);

      const second = startDemo(dir);
      const again = await second.curl;
      assert.equal(again.key, key);
      second.child.kill('SIGTERM');
      await new Promise((r) => second.child.on('exit', r));
    },
  );
});
