import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';

const HELP = `Usage: chronik cluster [--nodes N] [--kafka-ports P0,P1,...] [--data-dir DIR] [--log-level LEVEL]

Starts a local cluster of N separate node processes (ids 0..N-1) on 127.0.0.1. Prints one line per
node, then 'ready' once every node serves Kafka and all brokers are registered in __meta. Stops
every node on SIGINT or SIGTERM.

Defaults: --nodes 3, --kafka-ports 9092,9093,..., Raft ports = Kafka ports + 100,
--data-dir ./data/cluster (node i in DIR/node-i), --log-level warn.
`;

const STOP_TIMEOUT_MS = 30_000;
const MAX_NODES = 9;

interface ClusterArgs {
  nodes: number;
  kafkaPorts: number[];
  dataDir: string;
  logLevel: string;
}

function parseArgs(argv: string[]): ClusterArgs | 'help' | string {
  const args: ClusterArgs = { nodes: 3, kafkaPorts: [], dataDir: join('data', 'cluster'), logLevel: 'warn' };
  for (let i = 0; i < argv.length; i++) {
    const flag = argv[i];
    if (flag === '--help' || flag === '-h') return 'help';
    const value = argv[++i];
    if (value === undefined) return `flag ${flag} needs a value`;
    if (flag === '--nodes') args.nodes = Number(value);
    else if (flag === '--kafka-ports') args.kafkaPorts = value.split(',').map(Number);
    else if (flag === '--data-dir') args.dataDir = value;
    else if (flag === '--log-level') args.logLevel = value;
    else return `unknown flag ${flag}`;
  }
  if (!Number.isInteger(args.nodes) || args.nodes < 1 || args.nodes > MAX_NODES) return `--nodes must be 1..${MAX_NODES}`;
  if (args.kafkaPorts.length === 0) args.kafkaPorts = Array.from({ length: args.nodes }, (_, i) => 9092 + i);
  if (args.kafkaPorts.length !== args.nodes || args.kafkaPorts.some((p) => !Number.isInteger(p) || p < 1 || p > 65_435)) {
    return '--kafka-ports must list one valid port per node';
  }
  return args;
}

export async function main(argv: string[]): Promise<number> {
  const args = parseArgs(argv);
  if (args === 'help') {
    process.stdout.write(HELP);
    return 0;
  }
  if (typeof args === 'string') {
    process.stderr.write(`chronik cluster: ${args}\n\n${HELP}`);
    return 2;
  }
  const cli = fileURLToPath(new URL('./main.js', import.meta.url));
  const peers = args.kafkaPorts.map((p, id) => `${id}@127.0.0.1:${p + 100}`).join(',');
  const children = args.kafkaPorts.map((port, id) => startNode(cli, id, port, peers, args));
  let ready = 0;
  for (const [id, child] of children.entries()) {
    watchReady(child, () => {
      process.stdout.write(`node ${id}: kafka 127.0.0.1:${args.kafkaPorts[id]} raft 127.0.0.1:${(args.kafkaPorts[id] as number) + 100} data ${join(args.dataDir, `node-${id}`)}\n`);
      if (++ready === children.length) process.stdout.write(`ready: bootstrap ${args.kafkaPorts.map((p) => `127.0.0.1:${p}`).join(',')}\n`);
    });
  }
  return waitForStop(children);
}

function startNode(cli: string, id: number, port: number, peers: string, args: ClusterArgs): ChildProcess {
  const child = spawn(
    process.execPath,
    [cli, 'start', '--node-id', String(id), '--kafka', `127.0.0.1:${port}`, '--raft', `127.0.0.1:${port + 100}`, '--peers', peers, '--data-dir', join(args.dataDir, `node-${id}`), '--log-level', args.logLevel === 'warn' ? 'info' : args.logLevel],
    { stdio: ['ignore', 'pipe', 'inherit'] },
  );
  return child;
}

/** Ready = the node logged that every broker is registered; warn-and-above lines are passed through. */
function watchReady(child: ChildProcess, onReady: () => void): void {
  let seen = false;
  const rl = createInterface({ input: child.stdout as NodeJS.ReadableStream });
  rl.on('line', (line) => {
    if (!seen && line.includes('cluster ready: all brokers registered')) {
      seen = true;
      onReady();
    }
    if (/"level":(40|50|60)/.test(line)) process.stdout.write(`${line}\n`);
  });
}

function waitForStop(children: ChildProcess[]): Promise<number> {
  return new Promise((resolve) => {
    let exited = 0;
    let stopping = false;
    for (const child of children) {
      child.once('exit', (code) => {
        exited++;
        if (!stopping) process.stderr.write(`chronik cluster: a node exited with code ${String(code)}\n`);
        if (exited === children.length) resolve(stopping ? 0 : 1);
      });
    }
    const stop = (): void => {
      if (stopping) return;
      stopping = true;
      for (const child of children) child.kill('SIGTERM');
      setTimeout(() => children.forEach((c) => c.kill('SIGKILL')), STOP_TIMEOUT_MS).unref();
    };
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
  });
}
