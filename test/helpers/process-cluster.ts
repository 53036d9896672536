import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { createInterface } from 'node:readline';
import { freePorts } from './ports.js';

export const CLI = resolve(import.meta.dirname, '../../dist/src/cli/main.js');

export interface ProcessNode {
  readonly id: number;
  readonly kafkaPort: number;
  readonly raftPort: number;
  readonly dataDir: string;
  child: ChildProcess | undefined;
  /** Every JSON log line the node printed, parsed. */
  readonly lines: Record<string, unknown>[];
}

export interface ClusterOptions {
  readonly nodes: number;
  readonly extraArgs?: readonly string[];
  /** Path of the built CLI to run (default: dist/src/cli/main.js next to this checkout). */
  readonly cli?: string;
  /** Bound on the first start of the whole cluster (default 30 s). */
  readonly startTimeoutMs?: number;
}

type LineWaiter = { match: (line: Record<string, unknown>) => boolean; resolve: () => void };

/**
 * A cluster of real `chronik start` processes on loopback, each with its own data directory.
 * Waits are on log events (a node's JSON log lines), each bounded; never sleeps.
 */
export class ProcessCluster {
  private readonly waiters = new Map<number, Set<LineWaiter>>();

  private constructor(
    readonly nodes: ProcessNode[],
    readonly root: string,
    private readonly extraArgs: readonly string[],
    private readonly cli: string = CLI,
  ) {}

  static async start(options: ClusterOptions): Promise<ProcessCluster> {
    const root = await mkdtemp(join(tmpdir(), 'chronik-cluster-'));
    const ports = await freePorts(options.nodes * 2);
    const nodes: ProcessNode[] = Array.from({ length: options.nodes }, (_, id) => ({
      id,
      kafkaPort: ports[id * 2] as number,
      raftPort: ports[id * 2 + 1] as number,
      dataDir: join(root, `node-${id}`),
      child: undefined,
      lines: [],
    }));
    const cluster = new ProcessCluster(nodes, root, options.extraArgs ?? [], options.cli ?? CLI);
    const ready = nodes.map((n) => cluster.waitForLog(n.id, (l) => l.msg === 'cluster ready: all brokers registered', options.startTimeoutMs ?? 30_000));
    for (const node of nodes) cluster.spawn(node);
    await Promise.all(ready);
    return cluster;
  }

  get brokers(): string[] {
    return this.nodes.map((n) => `127.0.0.1:${n.kafkaPort}`);
  }

  broker(id: number): string {
    return `127.0.0.1:${(this.nodes[id] as ProcessNode).kafkaPort}`;
  }

  private peers(): string {
    return this.nodes.map((n) => `${n.id}@127.0.0.1:${n.raftPort}`).join(',');
  }

  spawn(node: ProcessNode): void {
    const args = [
      this.cli, 'start',
      '--node-id', String(node.id),
      '--kafka', `127.0.0.1:${node.kafkaPort}`,
      '--raft', `127.0.0.1:${node.raftPort}`,
      '--admin', '127.0.0.1:0',
      '--peers', this.peers(),
      '--data-dir', node.dataDir,
      '--log-level', 'info',
      ...this.extraArgs,
    ];
    const child = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    node.child = child;
    const rl = createInterface({ input: child.stdout });
    rl.on('line', (text) => this.onLine(node, text));
    child.stderr.on('data', (chunk: Buffer) => node.lines.push({ msg: 'stderr', text: chunk.toString() }));
  }

  private onLine(node: ProcessNode, text: string): void {
    let line: Record<string, unknown>;
    try {
      line = JSON.parse(text) as Record<string, unknown>;
    } catch {
      line = { msg: 'unparsed', text };
    }
    if (node.lines.length < 100_000) node.lines.push(line);
    for (const waiter of this.waiters.get(node.id) ?? []) if (waiter.match(line)) waiter.resolve();
  }

  /** Resolves when node `id` logs a matching line (also one already logged); rejects at the bound. */
  waitForLog(id: number, match: (line: Record<string, unknown>) => boolean, timeoutMs: number): Promise<void> {
    const node = this.nodes[id] as ProcessNode;
    if (node.lines.some(match)) return Promise.resolve();
    return new Promise((resolvePromise, reject) => {
      const set = this.waiters.get(id) ?? new Set<LineWaiter>();
      this.waiters.set(id, set);
      const timer = setTimeout(() => {
        set.delete(waiter);
        reject(new Error(`node ${id}: no matching log line within ${timeoutMs} ms`));
      }, timeoutMs);
      const waiter: LineWaiter = {
        match,
        resolve: () => {
          clearTimeout(timer);
          set.delete(waiter);
          resolvePromise();
        },
      };
      set.add(waiter);
    });
  }

  /** SIGKILL: the process dies at once, without any chance to flush. */
  async kill(id: number): Promise<void> {
    const node = this.nodes[id] as ProcessNode;
    const child = node.child;
    if (child === undefined || child.exitCode !== null) return;
    const exited = new Promise<void>((r) => child.once('exit', () => r()));
    child.kill('SIGKILL');
    await exited;
    node.child = undefined;
  }

  async restart(id: number, timeoutMs = 30_000): Promise<void> {
    const node = this.nodes[id] as ProcessNode;
    node.lines.length = 0;
    const started = this.waitForLog(id, (l) => l.msg === 'node started', timeoutMs);
    this.spawn(node);
    await started;
  }

  async stop(): Promise<void> {
    await Promise.all(
      this.nodes.map(async (node) => {
        const child = node.child;
        if (child === undefined || child.exitCode !== null) return;
        const exited = new Promise<void>((r) => child.once('exit', () => r()));
        child.kill('SIGKILL');
        await exited;
      }),
    );
    await rm(this.root, { recursive: true, force: true });
  }

  /** SIGSTOP: the process freezes (sockets stay open, timers stop) until resume(id). */
  pause(id: number): void {
    const child = (this.nodes[id] as ProcessNode).child;
    if (child !== undefined && child.exitCode === null) child.kill('SIGSTOP');
  }

  /** SIGCONT after pause(id). */
  resume(id: number): void {
    const child = (this.nodes[id] as ProcessNode).child;
    if (child !== undefined && child.exitCode === null) child.kill('SIGCONT');
  }

  /** Whether node `id` has a live process. */
  isRunning(id: number): boolean {
    const child = (this.nodes[id] as ProcessNode).child;
    return child !== undefined && child.exitCode === null && child.signalCode === null;
  }

  /** The admin HTTP port node `id` bound in its current incarnation (from its 'admin listener started' line). */
  async adminPort(id: number, timeoutMs = 10_000): Promise<number> {
    const isAdmin = (l: Record<string, unknown>): boolean => l.msg === 'admin listener started' && typeof l.port === 'number';
    await this.waitForLog(id, isAdmin, timeoutMs);
    const line = (this.nodes[id] as ProcessNode).lines.findLast(isAdmin);
    return (line as Record<string, unknown>).port as number;
  }

  /** Warn/error lines a node logged, for diagnostics in assertions. */
  problems(id: number): Record<string, unknown>[] {
    return (this.nodes[id] as ProcessNode).lines.filter((l) => typeof l.level === 'number' && l.level >= 50);
  }
}
