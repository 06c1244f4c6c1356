import { Option, type Command } from 'commander';
import { SETTINGS, type Setting, type SettingValues } from '../config/config.ts';

/** How a setting reads in --help: what it is, its environment variable(s) and its default. */
export function settingHelp(s: Setting): string {
  const env = s.secret ? `${s.env} or ${s.env}_FILE` : s.env;
  return `${s.help} (env ${env}, default ${s.default})`;
}

/** The option of each setting, by setting path, as commander names its value. */
const attributes = new Map<string, string>();

/** Adds a flag for every setting of `scope` to `cmd`; no commander defaults, so the environment is seen. */
export function addSettingOptions(cmd: Command, scope: Setting['scope']): Command {
  for (const s of SETTINGS) {
    if (s.scope !== scope) continue;
    const o = new Option(s.flag, settingHelp(s));
    attributes.set(s.path, o.attributeName());
    cmd.addOption(o);
  }
  return cmd;
}

/** The settings given as flags to `cmd` or to `datagate` itself, by setting path. */
export function settingFlags(cmd: Command): SettingValues {
  const opts = cmd.optsWithGlobals() as Record<string, string | boolean | undefined>;
  const flags: SettingValues = {};
  for (const [path, attr] of attributes) if (opts[attr] !== undefined) flags[path] = opts[attr];
  return flags;
}

/** The environment variables of `scope` and above, with their defaults: the end of a command's --help. */
export function environmentHelp(scopes: readonly Setting['scope'][]): string {
  const rows = SETTINGS.filter((s) => scopes.includes(s.scope));
  const width = Math.max(...rows.map((s) => s.env.length));
  const lines = rows.map((s) => `  ${s.env.padEnd(width)}  default: ${s.default}`);
  return (
    '\nEnvironment (a flag wins over its variable; each secret X may come from a file named by X_FILE,\n' +
    `e.g. ${rows
      .filter((s) => s.secret)
      .map((s) => `${s.env}_FILE`)
      .join(', ')}):\n` +
    lines.join('\n')
  );
}
