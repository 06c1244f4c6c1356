import { Command, CommanderError } from 'commander';
import { ConfigError, packageVersion } from '../config/config.ts';
import { DomainError } from '../shared/errors.ts';
import { BackupRefusedError, SchemaTooNewError, StoreConfigError, BackupToolError } from '../store/index.ts';
import { registerDatasetCommands } from './dataset-commands.ts';
import { registerKeyCommands } from './key-commands.ts';
import { registerOpsCommands } from './ops-commands.ts';
import { registerServeCommands } from './serve-commands.ts';
import { registerTokenCommands } from './token-commands.ts';
import { registerUserCommands } from './user-commands.ts';
import { registerWidgetCommands } from './widget-commands.ts';
import { UsageError } from './output.ts';
import { addSettingOptions } from './settings-options.ts';

const program = new Command('datagate')
  .description('Publish datasets and widgets to your clients through API keys.')
  .version(packageVersion(), '-V, --version', 'print the version of datagate');
addSettingOptions(program, 'global')
  .option('--json', 'print results as one JSON object on stdout')
  .configureHelp({ showGlobalOptions: true })
  .showHelpAfterError('(run with --help for usage)')
  .exitOverride();

registerServeCommands(program);
registerDatasetCommands(program);
registerWidgetCommands(program);
registerKeyCommands(program);
registerUserCommands(program);
registerTokenCommands(program);
registerOpsCommands(program);

program.configureOutput({ writeErr: (s) => process.stderr.write(s) });
for (const cmd of program.commands) cmd.exitOverride();

function fail(message: string, code: number): never {
  process.stderr.write(`datagate: ${message}\n`);
  process.exit(code);
}

try {
  await program.parseAsync(process.argv);
} catch (e) {
  if (e instanceof CommanderError) {
    if (e.code === 'commander.helpDisplayed' || e.code === 'commander.version' || e.code === 'commander.help')
      process.exit(0);
    process.exit(2);
  }
  if (
    e instanceof UsageError ||
    e instanceof ConfigError ||
    e instanceof SchemaTooNewError ||
    e instanceof BackupRefusedError
  )
    fail(e.message, 2);
  if (e instanceof DomainError || e instanceof StoreConfigError || e instanceof BackupToolError) fail(e.message, 1);
  fail(`unexpected failure: ${(e as Error)?.stack ?? String(e)}`, 1);
}
