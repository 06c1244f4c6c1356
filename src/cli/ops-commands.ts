import type { Command } from 'commander';
import { loadProcessConfig } from '../config/config.ts';
import { KNOWN_MIGRATIONS, openStore } from '../store/index.ts';
import { globals } from './context.ts';
import { createOutput } from './output.ts';
import { settingFlags } from './settings-options.ts';

/** `migrate`. */
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
}
