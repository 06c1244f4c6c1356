import type { Command } from 'commander';
import fs from 'node:fs';
import { serverSecretPath } from '../access/index.ts';
import { childEnvironment, loadProcessConfig, type Config } from '../config/config.ts';
import { backupDatabase, dataDirFor, KNOWN_MIGRATIONS, openStore, restoreDatabase } from '../store/index.ts';
import { globals } from './context.ts';
import { createOutput } from './output.ts';
import { settingFlags } from './settings-options.ts';

/**
 * Where the server secret of this configuration lives, never the secret itself: the flag's
 * or variable's file, the variable, or the generated secret.key of the data directory.
 */
function secretWhereabouts(config: Config): { where: string; file: string | null } {
  if (config.secret !== undefined) {
    const file = config.secretFile;
    if (file) return { where: `the file ${file}`, file };
    return { where: 'the DATAGATE_SECRET variable of this environment', file: null };
  }
  const file = serverSecretPath(dataDirFor(config.database, config.dataDir));
  return { where: `${file}${fs.existsSync(file) ? '' : ' (not created yet)'}`, file };
}

/** `migrate`, `backup` and `restore`. */
export function registerOpsCommands(program: Command): void {
  program
    .command('migrate')
    .description(
      'apply the migrations the database lacks and print them (every command applies them on start; ' +
        'this does it alone, e.g. before starting the servers of a new version)',
    )
    .action(async (_opts: unknown, cmd: Command) => {
      const config = loadProcessConfig(settingFlags(cmd));
      const out = createOutput(Boolean(globals(cmd).json));
      // Refuses a database of a newer version before anything else.
      const store = await openStore(config.database, { migrate: false, queryWorkers: 0 });
      try {
        const applied = await store.migrate();
        const latest = KNOWN_MIGRATIONS.at(-1);
        out.result({ database: store.location, applied, latest }, () =>
          applied.length === 0
            ? `${store.location} is up to date (${latest}): nothing to apply`
            : `applied to ${store.location}:\n${applied.map((n) => `  ${n}`).join('\n')}`,
        );
      } finally {
        await store.close();
      }
    });

  program
    .command('backup')
    .description(
      'copy the database into FILE while servers keep serving it (SQLite: one consistent copy; ' +
        'PostgreSQL: pg_dump --format=custom); prints where the server secret is, which the backup does not hold',
    )
    .argument('<file>', 'the backup to write; never overwritten')
    .action(async (file: string, _opts: unknown, cmd: Command) => {
      const config = loadProcessConfig(settingFlags(cmd));
      const out = createOutput(Boolean(globals(cmd).json));
      const made = await backupDatabase(config.database, file, childEnvironment);
      const secret = secretWhereabouts(config);
      out.result({ ...made, secret: secret.file }, () =>
        [
          `backed up to ${made.file} (${made.bytes} bytes, ` +
            `${made.method === 'sqlite' ? 'SQLite' : 'pg_dump custom format'})`,
          '',
          'The stored API keys are encrypted with the server secret, which is not in the backup.',
          `Keep a copy of it with the backup: it is in ${secret.where}.`,
          'A restored database needs the same secret to show its keys again (keys still authenticate without it).',
        ].join('\n'),
      );
    });

  program
    .command('restore')
    .description(
      'load a backup made by `datagate backup` into an empty database (refuses one that holds any table), ' +
        'then apply the migrations it lacks',
    )
    .argument('<file>', 'the backup to load')
    .action(async (file: string, _opts: unknown, cmd: Command) => {
      const config = loadProcessConfig(settingFlags(cmd));
      const out = createOutput(Boolean(globals(cmd).json));
      const { migrated } = await restoreDatabase(config.database, file, childEnvironment);
      const secret = secretWhereabouts(config);
      const store = await openStore(config.database, { migrate: false, queryWorkers: 0 });
      const location = store.location;
      await store.close();
      out.result({ database: location, migrated, secret: secret.file }, () =>
        [
          `restored ${file} into ${location}` + (migrated.length ? ` and applied ${migrated.join(', ')}` : ''),
          `Give it the server secret of the backed-up server (here: ${secret.where}), or its keys can't be shown.`,
        ].join('\n'),
      );
    });
}
