/** Argument parsing for the subcommands, on node:util's strict parser (unknown flags are usage errors). */
import { parseArgs } from 'node:util';
import { UsageError } from './errors.js';

export interface FlagSpec {
  /** Flags that take a value (all values are non-negative integers). */
  numbers?: readonly string[];
  /** Boolean flags besides --json and --help, which every subcommand has. */
  booleans?: readonly string[];
}

export interface ParsedArgs {
  path: string | undefined;
  json: boolean;
  help: boolean;
  numbers: ReadonlyMap<string, number>;
  flags: ReadonlySet<string>;
}

type OptionConfig = Record<string, { type: 'string' | 'boolean'; short?: string }>;

function optionConfig(spec: FlagSpec): OptionConfig {
  const options: OptionConfig = { json: { type: 'boolean' }, help: { type: 'boolean', short: 'h' } };
  for (const n of spec.numbers ?? []) options[n] = { type: 'string' };
  for (const b of spec.booleans ?? []) options[b] = { type: 'boolean' };
  return options;
}

export function parseCount(flag: string, raw: string): number {
  if (!/^\d+$/.test(raw)) throw new UsageError(`--${flag} needs a non-negative integer, got '${raw}'`);
  const n = Number(raw);
  if (!Number.isSafeInteger(n)) throw new UsageError(`--${flag} ${raw} is too large`);
  return n;
}

/** Parses `argv` (after the subcommand name): at most one positional path. */
export function parseCommandArgs(argv: readonly string[], spec: FlagSpec): ParsedArgs {
  let parsed: ReturnType<typeof parseArgs>;
  try {
    parsed = parseArgs({ args: [...argv], options: optionConfig(spec), allowPositionals: true, strict: true });
  } catch (err) {
    throw new UsageError(err instanceof Error ? err.message : String(err), { cause: err });
  }
  if (parsed.positionals.length > 1) throw new UsageError(`expected one path, got ${parsed.positionals.length}`);
  const numbers = new Map<string, number>();
  const flags = new Set<string>();
  for (const [name, value] of Object.entries(parsed.values)) {
    if (typeof value === 'string') numbers.set(name, parseCount(name, value));
    else if (value === true) flags.add(name);
  }
  return { path: parsed.positionals[0], json: flags.has('json'), help: flags.has('help'), numbers, flags };
}

/** The path argument, required unless --help was given. */
export function requirePath(args: ParsedArgs): string {
  if (args.path === undefined) throw new UsageError('missing <dir> argument');
  return args.path;
}
