import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino, type Logger } from 'pino';
import type { Entry } from '../../../src/raft/core/index.js';
import { RaftHost, type GroupMembers, type GroupStateMachine, type RaftHostOptions } from '../../../src/raft/driver/index.js';
import { NodeTransport, type PeerAddress } from '../../../src/raft/transport/index.js';
import { WalStore } from '../../../src/wal/index.js';
import type { FileHandle, FileIO } from '../../../src/wal/file-io.js';
import { ForwardingFileIO } from '../../../src/wal/forwarding-file-io.js';
import { NodeFileIO } from '../../../src/wal/node-file-io.js';

/** Wakes waiters to re-check their condition whenever something happened (no polling). */
export class Signal {
  private waiters = new Set<() => void>();

  notify(): void {
    for (const w of [...this.waiters]) w();
  }

  /** Resolves once `pred()` holds (checked now and after every notify); rejects after timeoutMs. */
  until(pred: () => boolean, timeoutMs: number, what: string): Promise<void> {
    if (pred()) return Promise.resolve();
    return new Promise((resolve, reject) => {
      const check = (): void => {
        if (!pred()) return;
        this.waiters.delete(check);
        clearTimeout(timer);
        resolve();
      };
      const timer = setTimeout(() => {
        this.waiters.delete(check);
        reject(new Error(`timed out after ${timeoutMs} ms waiting for ${what}`));
      }, timeoutMs);
      this.waiters.add(check);
    });
  }
}

/**
 * A file layer that holds fdatasyncs while armed (each held one notifies the signal), so a test
 * forces an order instead of timing it.
 */
export class SyncGate extends ForwardingFileIO {
  armed = false;
  readonly held: Array<() => void> = [];

  constructor(private readonly signal: Signal) {
    super(new NodeFileIO());
  }

  override async datasync(fd: FileHandle): Promise<void> {
    if (this.armed) {
      await new Promise<void>((resolve) => {
        this.held.push(resolve);
        this.signal.notify();
      });
    }
    return this.inner.datasync(fd);
  }

  /** Lets the oldest held fdatasync go on (the gate stays armed for the next ones). */
  releaseOne(): void {
    const next = this.held.shift();
    if (next === undefined) throw new Error('no fdatasync is held');
    next();
  }

  releaseAll(): void {
    this.armed = false;
    for (const r of this.held.splice(0)) r();
  }
}

/**
 * A test file's gated cluster: each test starts one (and its gate) in it, and `afterEach(() =>
 * slot.clear())` lets held fdatasyncs go before the cluster closes, so a failed test never leaves
 * a drain waiting on the gate.
 */
export class GatedClusterSlot {
  cluster: Cluster | undefined;
  gate: SyncGate | undefined;

  async clear(): Promise<void> {
    this.gate?.releaseAll();
    await this.cluster?.close();
    this.cluster = undefined;
    this.gate = undefined;
  }
}

/** Records every applied entry; its snapshot is the whole record (a meta-style image). */
export class RecordingMachine implements GroupStateMachine {
  /** Data of applied non-empty entries, as strings, in order. */
  values: string[] = [];
  applied = 0;
  restores = 0;
  members: GroupMembers | undefined;

  constructor(private readonly signal: Signal) {}

  apply(entries: Entry[]): void {
    for (const e of entries) {
      if (e.data.byteLength > 0 && e.type !== 1) this.values.push(Buffer.from(e.data).toString('utf8'));
      this.applied = e.index;
    }
    this.signal.notify();
  }

  appliedIndex(): number {
    return this.applied;
  }

  snapshot(): Uint8Array {
    return Buffer.from(JSON.stringify({ values: this.values, applied: this.applied }));
  }

  restore(data: Uint8Array, index: number): void {
    const image = JSON.parse(Buffer.from(data).toString('utf8')) as { values: string[]; applied: number };
    this.values = image.values;
    this.applied = index;
    this.restores++;
    this.signal.notify();
  }

  onConfChange(members: GroupMembers): void {
    this.members = members;
  }
}

export interface TestNode {
  id: number;
  dir: string;
  port: number;
  wal: WalStore;
  transport: NodeTransport;
  host: RaftHost;
  machines: Map<string, RecordingMachine>;
  /** Leader per group as this node last heard it. */
  leaders: Map<string, { term: number; leader: number | undefined }>;
}

export type HostTuning = Partial<Omit<RaftHostOptions, 'transport' | 'wal' | 'dataDir' | 'logger'>>;

export interface ClusterOptions {
  size: number;
  fsync: 'always' | 'never';
  host: HostTuning;
  logger?: Logger;
  /** The transport's bound on one frame (its default otherwise). */
  maxFrameBytes?: number;
  /** The file layer of node `id`'s WAL (the real one otherwise): fault injection and gates. */
  fileIO?: (id: number) => FileIO;
}

export class Cluster {
  readonly signal = new Signal();
  readonly nodes = new Map<number, TestNode>();
  private readonly addresses = new Map<number, PeerAddress>();
  private readonly groups = new Map<string, { voters: number[]; kind: 'raft' | 'partition'; commitNotices: boolean }>();
  private readonly logger: Logger;

  private constructor(
    private readonly root: string,
    private readonly opts: ClusterOptions,
  ) {
    this.logger = opts.logger ?? pino({ level: process.env['RAFT_TEST_LOG'] ?? 'silent' });
  }

  static async start(opts: ClusterOptions): Promise<Cluster> {
    const c = new Cluster(await mkdtemp(join(tmpdir(), 'chronik-raft-driver-')), opts);
    for (let id = 0; id < opts.size; id++) await c.startNode(id, 0);
    for (const n of c.nodes.values()) n.transport.setPeers(c.addresses);
    return c;
  }

  node(id: number): TestNode {
    const n = this.nodes.get(id);
    if (n === undefined) throw new Error(`node ${id} is not running`);
    return n;
  }

  private async startNode(id: number, port: number): Promise<TestNode> {
    const dir = join(this.root, `node-${id}`);
    const fileIO = this.opts.fileIO?.(id);
    const wal = await WalStore.open({ dir: join(dir, 'wal'), logger: this.logger, fsync: this.opts.fsync, ...(fileIO === undefined ? {} : { fileIO }) });
    const limits = this.opts.maxFrameBytes === undefined ? {} : { maxFrameBytes: this.opts.maxFrameBytes };
    const transport = new NodeTransport({ nodeId: id, clusterId: 'driver-test', listen: { host: '127.0.0.1', port }, peers: this.addresses, logger: this.logger, ...limits });
    const address = await transport.start();
    this.addresses.set(id, address);
    const host = new RaftHost({ transport, wal, dataDir: join(dir, 'raft'), logger: this.logger, ...this.opts.host });
    const n: TestNode = { id, dir, port: address.port, wal, transport, host, machines: new Map(), leaders: new Map() };
    host.onLeaderChange((group, term, leader) => {
      n.leaders.set(group, { term, leader });
      this.signal.notify();
    });
    this.nodes.set(id, n);
    return n;
  }

  async addGroup(groupId: string, voters: number[] = [...this.nodes.keys()], kind: 'raft' | 'partition' = 'raft', commitNotices = true): Promise<void> {
    this.groups.set(groupId, { voters, kind, commitNotices });
    // Concurrently, so no replica runs election timers long before the others exist.
    const nodes = voters.map((id) => this.nodes.get(id)).filter((n): n is TestNode => n !== undefined);
    await Promise.all(nodes.map((n) => this.openGroupOn(n, groupId)));
  }

  /** Opens a known group on one node; `voters` overrides the group's (a joining node passes []). */
  async openGroupOn(n: TestNode, groupId: string, voters?: number[]): Promise<void> {
    const spec = this.groups.get(groupId);
    if (spec === undefined) throw new Error(`unknown group ${groupId}`);
    const sm = new RecordingMachine(this.signal);
    n.machines.set(groupId, sm);
    await n.host.addGroup(groupId, { logId: groupId, kind: spec.kind, voters: voters ?? spec.voters, stateMachine: sm, commitNotices: spec.commitNotices });
  }

  machine(id: number, groupId: string): RecordingMachine {
    const sm = this.node(id).machines.get(groupId);
    if (sm === undefined) throw new Error(`no machine for ${groupId} on ${id}`);
    return sm;
  }

  /** The node that leads `groupId` and that every running voter agrees on. */
  agreedLeader(groupId: string): number | undefined {
    let leader: number | undefined;
    let term = -1;
    for (const n of this.nodes.values()) {
      if (!n.host.has(groupId)) continue;
      const s = n.host.status(groupId);
      if (s.role === 'leader') {
        leader = n.id;
        term = s.term;
      }
    }
    if (leader === undefined) return undefined;
    for (const n of this.nodes.values()) {
      if (!n.host.has(groupId)) continue;
      const s = n.host.status(groupId);
      if (s.term !== term || s.leader !== leader) return undefined;
    }
    return leader;
  }

  async waitLeader(groupId: string, timeoutMs = 10_000): Promise<number> {
    await this.signal.until(() => this.agreedLeader(groupId) !== undefined, timeoutMs, `a leader of ${groupId}`);
    return this.agreedLeader(groupId) as number;
  }

  waitApplied(groupId: string, index: number, ids: number[], timeoutMs = 10_000): Promise<void> {
    return this.signal.until(() => ids.every((id) => this.machine(id, groupId).applied >= index), timeoutMs, `${groupId} applied ${index} on ${ids.join(',')}`);
  }

  /** Stops a node abruptly from the cluster's point of view (its WAL holds only what was synced). */
  async crash(id: number): Promise<void> {
    const n = this.node(id);
    this.nodes.delete(id);
    await n.host.close();
    await n.transport.close();
    await n.wal.close();
  }

  /** Restarts a node from its directory on its old port, reopening the groups it was a voter of. */
  async restart(id: number, port: number, reopen = true): Promise<TestNode> {
    const n = await this.startNode(id, port);
    if (reopen) for (const [groupId, spec] of this.groups) if (spec.voters.includes(id)) await this.openGroupOn(n, groupId);
    return n;
  }

  async close(): Promise<void> {
    for (const id of [...this.nodes.keys()]) await this.crash(id);
    await rm(this.root, { recursive: true, force: true });
  }
}

export function text(s: string): Uint8Array {
  return Buffer.from(s, 'utf8');
}
