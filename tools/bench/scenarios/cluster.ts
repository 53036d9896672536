/**
 * Real `chronik start` processes on loopback for the benchmarks, each with a fresh data directory
 * under the bench's scratch folder. Waits are on the nodes' JSON log lines, each bounded.
 * (A trimmed copy of the test helper: tools must not import from test/.)
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdir } from 'node:fs/promises';
import { createServer } from 'node:net';
import { join, resolve } from 'node:path';
import { createInterface } from 'node:readline';
import { BenchError } from './errors.js';

const CLI = resolve(import.meta.dirname, '../../../src/cli/main.js');
const READY_LINE = 'cluster ready: all brokers registered';
/** Recent log lines kept per node, for error messages. */
const KEEP_LINES = 200;

export interface BenchNode {
  readonly id: number;
  readonly kafkaPort: number;
  readonly raftPort: number;
  readonly dataDir: string;
  child: ChildProcess | undefined;
  readonly lines: Record<string, unknown>[];
  /** The admin HTTP listener (port 0 picked at start), from the 'node started' line. */
  admin: { host: string; port: number } | undefined;
}

export interface BenchClusterOptions {
  nodes: number;
  /** Parent folder; each node gets `<root>/node-<id>`. */
  root: string;
  /** Extra `node` flags for the broker processes (e.g. --cpu-prof). */
  nodeFlags?: readonly string[];
  readyTimeoutMs?: number;
}

function adminAddress(v: unknown): { host: string; port: number } | undefined {
  if (typeof v !== 'object' || v === null) return undefined;
  const { host, port } = v as { host?: unknown; port?: unknown };
  return typeof host === 'string' && typeof port === 'number' ? { host, port } : undefined;
}

function alive(child: ChildProcess): boolean {
  return child.exitCode === null && child.signalCode === null;
}

type Waiter = { match: (l: Record<string, unknown>) => boolean; done: () => void; fail: (err: Error) => void };

async function freePorts(count: number): Promise<number[]> {
  const servers = await Promise.all(
    Array.from({ length: count }, () => new Promise<ReturnType<typeof createServer>>((ok, fail) => {
      const server = createServer();
      server.once('error', fail);
      server.listen(0, '127.0.0.1', () => ok(server));
    })),
  );
  const ports = servers.map((s) => {
    const address = s.address();
    if (address === null || typeof address === 'string') throw new Error('no port');
    return address.port;
  });
  await Promise.all(servers.map((s) => new Promise<void>((ok) => s.close(() => ok()))));
  return ports;
}

export class BenchCluster {
  private readonly waiters = new Map<number, Set<Waiter>>();

  private constructor(readonly nodes: BenchNode[], private readonly nodeFlags: readonly string[]) {}

  static async start(opts: BenchClusterOptions): Promise<BenchCluster> {
    const ports = await freePorts(opts.nodes * 2);
    const nodes: BenchNode[] = [];
    for (let id = 0; id < opts.nodes; id++) {
      const dataDir = join(opts.root, `node-${id}`);
      await mkdir(dataDir, { recursive: true });
      nodes.push({ id, kafkaPort: ports[id * 2] as number, raftPort: ports[id * 2 + 1] as number, dataDir, child: undefined, lines: [], admin: undefined });
    }
    const cluster = new BenchCluster(nodes, opts.nodeFlags ?? []);
    const timeoutMs = opts.readyTimeoutMs ?? 60_000;
    const ready = nodes.map((n) => cluster.waitForLog(n.id, (l) => l.msg === READY_LINE, timeoutMs));
    for (const node of nodes) cluster.spawn(node);
    try {
      await Promise.all(ready);
    } catch (err) {
      await cluster.stop();
      throw err;
    }
    return cluster;
  }

  get bootstrap(): string {
    return this.nodes.map((n) => `127.0.0.1:${n.kafkaPort}`).join(',');
  }

  get brokers(): string[] {
    return this.nodes.map((n) => `127.0.0.1:${n.kafkaPort}`);
  }

  /** Live broker processes, for the CPU/RSS sampler. */
  pids(): Array<{ node: number; pid: number }> {
    return this.nodes.flatMap((n) => (n.child?.pid === undefined || !alive(n.child) ? [] : [{ node: n.id, pid: n.child.pid }]));
  }

  private spawn(node: BenchNode): void {
    const peers = this.nodes.map((n) => `${n.id}@127.0.0.1:${n.raftPort}`).join(',');
    const args = [
      ...this.nodeFlags, CLI, 'start',
      '--node-id', String(node.id),
      '--kafka', `127.0.0.1:${node.kafkaPort}`,
      '--raft', `127.0.0.1:${node.raftPort}`,
      '--admin', '127.0.0.1:0',
      '--peers', peers,
      '--data-dir', node.dataDir,
      // info, not warn: the readiness line is logged at info; the hot path logs nothing at info.
      '--log-level', 'info',
    ];
    const child = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'pipe'], cwd: node.dataDir });
    node.child = child;
    createInterface({ input: child.stdout }).on('line', (text) => this.onLine(node, text));
    child.stderr.on('data', (chunk: Buffer) => this.keep(node, { msg: 'stderr', text: chunk.toString() }));
    child.once('exit', (code, signal) => this.onExit(node, code, signal));
  }

  /** A node that dies fails whatever waits on it at once, instead of at the wait's bound. */
  private onExit(node: BenchNode, code: number | null, signal: NodeJS.Signals | null): void {
    const waiters = [...(this.waiters.get(node.id) ?? [])];
    if (waiters.length === 0) return;
    const err = new BenchError(`node ${node.id} exited (${code ?? signal ?? '?'}) while awaited; last lines:\n${this.tail(node)}`);
    for (const w of waiters) w.fail(err);
  }

  private tail(node: BenchNode): string {
    return node.lines.slice(-5).map((l) => JSON.stringify(l)).join('\n');
  }

  private keep(node: BenchNode, line: Record<string, unknown>): void {
    node.lines.push(line);
    if (node.lines.length > KEEP_LINES) node.lines.shift();
  }

  private onLine(node: BenchNode, text: string): void {
    let line: Record<string, unknown>;
    try {
      line = JSON.parse(text) as Record<string, unknown>;
    } catch {
      line = { msg: 'unparsed', text };
    }
    this.keep(node, line);
    if (line.msg === 'node started') node.admin = adminAddress(line.admin);
    for (const waiter of this.waiters.get(node.id) ?? []) if (waiter.match(line)) waiter.done();
  }

  /** Resolves when node `id` logs a matching line (or already did); rejects at the bound. */
  waitForLog(id: number, match: (l: Record<string, unknown>) => boolean, timeoutMs: number): Promise<void> {
    const node = this.nodes[id] as BenchNode;
    if (node.lines.some(match)) return Promise.resolve();
    return new Promise((ok, fail) => {
      const set = this.waiters.get(id) ?? new Set<Waiter>();
      this.waiters.set(id, set);
      const timer = setTimeout(() => {
        set.delete(waiter);
        fail(new BenchError(`node ${id}: no matching log line within ${timeoutMs} ms; last lines:\n${this.tail(node)}`));
      }, timeoutMs);
      const waiter: Waiter = {
        match,
        done: () => {
          clearTimeout(timer);
          set.delete(waiter);
          ok();
        },
        fail: (err) => {
          clearTimeout(timer);
          set.delete(waiter);
          fail(err);
        },
      };
      set.add(waiter);
    });
  }

  /** SIGKILL; resolves when the process has exited. */
  async kill(id: number): Promise<void> {
    const child = (this.nodes[id] as BenchNode).child;
    if (child === undefined || !alive(child)) return;
    const exited = new Promise<void>((ok) => child.once('exit', () => ok()));
    child.kill('SIGKILL');
    await exited;
  }

  /** Starts a killed node again on its data directory; resolves on 'node started'. */
  async restart(id: number, timeoutMs = 60_000): Promise<void> {
    const node = this.nodes[id] as BenchNode;
    node.lines.length = 0;
    const started = this.waitForLog(id, (l) => l.msg === 'node started', timeoutMs);
    this.spawn(node);
    await started;
  }

  /** SIGTERM (so a --cpu-prof profile gets written), SIGKILL after the bound. */
  async stop(graceMs = 15_000): Promise<void> {
    await Promise.all(this.nodes.map(async (node) => {
      const child = node.child;
      if (child === undefined || !alive(child)) return;
      const exited = new Promise<void>((ok) => child.once('exit', () => ok()));
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
      await exited;
      clearTimeout(timer);
    }));
  }
}
