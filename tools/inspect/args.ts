/** Argument parsing for the subcommands, on node:util's strict parser (unknown flags are usage errors). */
import { parseArgs } from 'node:util';
import { UsageError } from './errors.js';

export interface FlagSpec {
  /** Flags that take a value (all values are non-negative integers). */
  numbers?: readonly string[];
  /** Boolean flags besides --json and --help, which every subcommand has. */
  booleans?: readonly string[];
  /** Flags that take a free-form string value. */
  strings?: readonly string[];
  /** Positional arguments allowed (default 1: the path). */
  maxPositionals?: number;
}

export interface ParsedArgs {
  path: string | undefined;
  json: boolean;
  help: boolean;
  numbers: ReadonlyMap<string, number>;
  strings: ReadonlyMap<string, string>;
  flags: ReadonlySet<string>;
  /** Every positional argument; `path` is the first. */
  positionals: readonly string[];
}

type OptionConfig = Record<string, { type: 'string' | 'boolean'; short?: string }>;

function optionConfig(spec: FlagSpec): OptionConfig {
  const options: OptionConfig = { json: { type: 'boolean' }, help: { type: 'boolean', short: 'h' } };
  for (const n of spec.numbers ?? []) options[n] = { type: 'string' };
  for (const b of spec.booleans ?? []) options[b] = { type: 'boolean' };
  for (const s of spec.strings ?? []) options[s] = { type: 'string' };
  return options;
}

export function parseCount(flag: string, raw: string): number {
  if (!/^\d+$/.test(raw)) throw new UsageError(`--${flag} needs a non-negative integer, got '${raw}'`);
  const n = Number(raw);
  if (!Number.isSafeInteger(n)) throw new UsageError(`--${flag} ${raw} is too large`);
  return n;
}

/** Parses `argv` (after the subcommand name): at most `maxPositionals` positionals (default 1, the path). */
export function parseCommandArgs(argv: readonly string[], spec: FlagSpec): ParsedArgs {
  let parsed: ReturnType<typeof parseArgs>;
  try {
    parsed = parseArgs({ args: [...argv], options: optionConfig(spec), allowPositionals: true, strict: true });
  } catch (err) {
    throw new UsageError(err instanceof Error ? err.message : String(err), { cause: err });
  }
  const maxPositionals = spec.maxPositionals ?? 1;
  if (parsed.positionals.length > maxPositionals) {
    throw new UsageError(maxPositionals === 1 ? `expected one path, got ${parsed.positionals.length}` : `expected at most ${maxPositionals} arguments, got ${parsed.positionals.length}`);
  }
  const stringFlags = new Set(spec.strings ?? []);
  const numbers = new Map<string, number>();
  const strings = new Map<string, string>();
  const flags = new Set<string>();
  for (const [name, value] of Object.entries(parsed.values)) {
    if (typeof value === 'string' && stringFlags.has(name)) strings.set(name, value);
    else if (typeof value === 'string') numbers.set(name, parseCount(name, value));
    else if (value === true) flags.add(name);
  }
  return { path: parsed.positionals[0], json: flags.has('json'), help: flags.has('help'), numbers, strings, flags, positionals: parsed.positionals };
}

/** The path argument, required unless --help was given. */
export function requirePath(args: ParsedArgs): string {
  if (args.path === undefined) throw new UsageError('missing <dir> argument');
  return args.path;
}
