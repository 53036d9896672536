/**
 * `chronik inspect`: the operator's read-only log inspection tool. Dispatches to one module per
 * subcommand and maps typed errors to exit codes (docs/inspect.md).
 */
import { COMMAND_HELP, TOOL_HELP } from './help.js';
import { ExitCode, InspectReadError, UsageError } from './errors.js';
import { OutputClosedError, type InspectIO } from './output.js';
import { segmentsCommand } from './segments.js';
import { dumpCommand } from './dump.js';
import { verifyCommand } from './verify.js';
import { indexCommand } from './index-cmd.js';
import { raftCommand } from './raft.js';
import { metaCommand } from './meta.js';
import { groupsCommand } from './groups.js';
import { partitionCommand } from './partition.js';

export type { InspectIO } from './output.js';
export { ExitCode } from './errors.js';

type Command = (argv: readonly string[], io: InspectIO) => Promise<number>;

const COMMANDS: Readonly<Record<string, Command>> = {
  segments: segmentsCommand,
  dump: dumpCommand,
  verify: verifyCommand,
  index: indexCommand,
  raft: raftCommand,
  meta: metaCommand,
  groups: groupsCommand,
  partition: partitionCommand,
};

function wantsHelp(argv: readonly string[]): boolean {
  return argv.includes('--help') || argv.includes('-h');
}

function causeText(err: Error): string {
  return err.cause instanceof Error ? `: ${err.cause.message}` : '';
}

/** Runs one inspect command line against the given streams; resolves to the exit code. */
export async function run(argv: readonly string[], io: InspectIO): Promise<number> {
  const [name, ...rest] = argv;
  if (name === undefined || name === '--help' || name === '-h') {
    (name === undefined ? io.stderr : io.stdout).write(`${TOOL_HELP}\n`);
    return name === undefined ? ExitCode.USAGE : ExitCode.OK;
  }
  const command = COMMANDS[name];
  if (command === undefined) {
    io.stderr.write(`chronik inspect: unknown command '${name}'\n\n${TOOL_HELP}\n`);
    return ExitCode.USAGE;
  }
  if (wantsHelp(rest)) {
    io.stdout.write(`${COMMAND_HELP[name] ?? TOOL_HELP}\n`);
    return ExitCode.OK;
  }
  try {
    return await command(rest, io);
  } catch (err) {
    if (err instanceof UsageError) {
      io.stderr.write(`chronik inspect ${name}: ${err.message}\nRun 'chronik inspect ${name} --help' for usage.\n`);
      return ExitCode.USAGE;
    }
    if (err instanceof OutputClosedError) return ExitCode.OK;
    if (err instanceof InspectReadError) {
      io.stderr.write(`chronik inspect ${name}: ${err.message}${causeText(err)}\n`);
      return ExitCode.FAILED;
    }
    throw err;
  }
}

/** EPIPE on stdout means the reader left (`| head`): the next flush sees the stream destroyed. */
function ignoreBrokenPipe(err: NodeJS.ErrnoException): void {
  if (err.code !== 'EPIPE') throw err;
}

export async function main(argv: string[]): Promise<number> {
  process.stdout.on('error', ignoreBrokenPipe);
  return run(argv, {
    stdout: process.stdout,
    stderr: process.stderr,
    progress: process.stderr.isTTY === true,
    now: () => performance.now(),
  });
}
