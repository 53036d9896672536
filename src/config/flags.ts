import { ConfigError, type RawSettings } from './config.js';
import { envName, isSettingName, SETTINGS, type SettingName, type SettingSpec } from './schema.js';

export interface ParsedFlags {
  settings: RawSettings;
  configFile: string | undefined;
  help: boolean;
}

const FLAG_TO_SETTING = new Map<string, SettingName>(
  (Object.entries(SETTINGS) as [SettingName, SettingSpec][])
    .filter(([, spec]) => spec.flag !== undefined)
    .map(([name, spec]) => [spec.flag as string, name]),
);

/**
 * Parses `--flag value`, `--flag=value` and `--set name=value` (any setting by its full name).
 * Unknown flags are errors.
 */
export function parseFlags(argv: readonly string[]): ParsedFlags {
  const parsed: ParsedFlags = { settings: {}, configFile: undefined, help: false };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i] as string;
    if (arg === '--help' || arg === '-h') {
      parsed.help = true;
      continue;
    }
    if (!arg.startsWith('--')) throw new ConfigError(`unexpected argument '${arg}'`);
    const eq = arg.indexOf('=');
    const flag = eq === -1 ? arg.slice(2) : arg.slice(2, eq);
    let flagValue = eq === -1 ? argv[++i] : arg.slice(eq + 1);
    if (flagValue === undefined) throw new ConfigError(`flag --${flag} needs a value`);
    applyFlag(parsed, flag, flagValue);
  }
  return parsed;
}

function applyFlag(parsed: ParsedFlags, flag: string, flagValue: string): void {
  if (flag === 'config') {
    parsed.configFile = flagValue;
    return;
  }
  if (flag === 'set') {
    const eq = flagValue.indexOf('=');
    const name = flagValue.slice(0, eq);
    if (eq <= 0 || !isSettingName(name)) throw new ConfigError(`--set: unknown setting '${name}'`);
    parsed.settings[name] = flagValue.slice(eq + 1);
    return;
  }
  const name = FLAG_TO_SETTING.get(flag);
  if (name === undefined) throw new ConfigError(`unknown flag --${flag}`);
  parsed.settings[name] = flagValue;
}

export function settingsHelp(): string {
  const lines: string[] = [];
  for (const [name, spec] of Object.entries(SETTINGS) as [SettingName, SettingSpec][]) {
    const flag = spec.flag === undefined ? `--set ${name}=…` : `--${spec.flag}`;
    const def = spec.defaultValue === undefined ? 'derived' : JSON.stringify(spec.defaultValue);
    lines.push(`  ${flag.padEnd(40)} ${spec.doc}`);
    lines.push(`  ${''.padEnd(40)} setting ${name}, env ${envName(name)}, default ${def}`);
  }
  return lines.join('\n');
}
