import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { sql } from 'kysely';
import { KNOWN_MIGRATIONS, openStore } from '../src/store/index.ts';
import { migrateToLatest } from '../src/store/migrations.ts';
import { cliWorkspace, type CliWorkspace } from './support/cli-workspace.ts';

describe('datagate migrate, and a database of a newer version', () => {
  let ws: CliWorkspace;

  before(async () => {
    ws = await cliWorkspace('migrate');
  });
  after(() => ws?.close());

  it('applies every migration to an empty database and prints them, then nothing', async () => {
    const first = await ws.dg('migrate');
    assert.deepEqual(first.applied, KNOWN_MIGRATIONS);
    assert.equal(first.latest, KNOWN_MIGRATIONS.at(-1));
    const again = await ws.dg('migrate');
    assert.deepEqual(again.applied, []);
    const human = await ws.run(['migrate']);
    assert.equal(human.code, 0);
    assert.match(human.stdout, /is up to date \(\d{4}_\w+\): nothing to apply/);
  });

  it('applies only what an older database lacks, and the commands work on it after', async () => {
    // An older database: migrated up to 0003 only, as an older datagate left it.
    const older = await cliWorkspace('migrate-older');
    try {
      const store = await openStore(older.url, { migrate: false, queryWorkers: 0 });
      try {
        await migrateToLatest(store.db, '0003_admin');
        assert.deepEqual(
          await store.pendingMigrations(),
          KNOWN_MIGRATIONS.filter((n) => n > '0003_admin'),
        );
      } finally {
        await store.close();
      }
      const human = await older.run(['migrate']);
      assert.equal(human.code, 0, human.stderr);
      for (const n of KNOWN_MIGRATIONS.filter((m) => m > '0003_admin')) assert.ok(human.stdout.includes(`  ${n}`), n);
      assert.ok(!human.stdout.includes('0003_admin'), 'an applied migration is not applied again');
      assert.deepEqual((await older.dg('dataset', 'list')).datasets, []);
    } finally {
      await older.close();
    }
  });

  it('refuses a database that holds a migration it does not know, in every command, with exit 2', async () => {
    await ws.dg('key', 'create', '--name', 'Before the upgrade');
    const store = await openStore(ws.url, { queryWorkers: 0 });
    try {
      const future = '9001_from_a_newer_version';
      await sql`INSERT INTO kysely_migration (name, timestamp) VALUES (${future}, '2030-01-01')`.execute(store.db);
    } finally {
      await store.close();
    }
    for (const args of [['serve', '--port', '0'], ['migrate'], ['key', 'list'], ['--json', 'dataset', 'list']]) {
      const r = await ws.run(args);
      assert.equal(r.code, 2, `${args.join(' ')}: ${r.stderr}`);
      assert.match(r.stderr, /migrated by a newer datagate: migration 9001_from_a_newer_version is unknown/);
      assert.match(r.stderr, new RegExp(`knows 0001_core to ${KNOWN_MIGRATIONS.at(-1)}`));
      assert.doesNotMatch(r.stderr, /corrupted/);
      assert.equal(r.stdout, '');
    }
    // The check comes before any change: the database is still refused, for the same migration.
    const after = await openStore(ws.url, { migrate: false, queryWorkers: 0 }).catch((e: Error) => e);
    assert.ok(after instanceof Error && /9001_from_a_newer_version/.test(after.message));
  });
});
