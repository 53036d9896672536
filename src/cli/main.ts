#!/usr/bin/env node
/**
 * `chronik` command-line entry point. Each subcommand lives in its own module and is loaded lazily,
 * so `chronik inspect` never pays for the broker's start-up and vice versa.
 */
const USAGE = `Usage: chronik <command> [options]

Commands:
  start      run a broker node
  cluster    run a local cluster of node processes (default 3)
  status     live cluster view: nodes, __meta, partitions, ISR, lag, groups
  inspect    read-only inspection of a data directory (segments, dump, verify, index, raft, meta, groups, partition)
  bench      run the benchmark suite

Run 'chronik <command> --help' for the options of a command.`;

type CommandMain = (argv: string[]) => Promise<number>;

const COMMANDS: Record<string, () => Promise<CommandMain>> = {
  start: async () => (await import('./start.js')).main,
  cluster: async () => (await import('./cluster.js')).main,
  status: async () => (await import('./status.js')).main,
  inspect: async () => (await import('../../tools/inspect/main.js')).main,
  bench: async () => (await import('../../tools/bench/main.js')).main,
};

async function run(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  if (command === undefined || command === '--help' || command === '-h') {
    process.stdout.write(`${USAGE}\n`);
    return command === undefined ? 2 : 0;
  }
  const load = COMMANDS[command];
  if (load === undefined) {
    process.stderr.write(`chronik: unknown command '${command}'\n\n${USAGE}\n`);
    return 2;
  }
  const commandMain = await load();
  return commandMain(rest);
}

run(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    process.stderr.write(`chronik: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
    process.exitCode = 1;
  },
);
