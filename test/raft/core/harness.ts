import CRC32C from 'crc-32/crc32c.js';
import { MemoryStorage } from '../../../src/raft/core/memory-storage.js';
import { RawNode } from '../../../src/raft/core/raw-node.js';
import { SeededRandom } from '../../../src/raft/core/random.js';
import type { Ready } from '../../../src/raft/core/ready.js';
import type { RaftConfig } from '../../../src/raft/core/config.js';
import { Role, type Entry, type Message, type ReadState } from '../../../src/raft/core/types.js';

/** A toy state machine: a hash chain over applied entries, so divergence anywhere is detectable. */
export class HashMachine {
  index = 0;
  hash = 0;

  apply(e: Entry): void {
    const head = new Uint8Array(17);
    const v = new DataView(head.buffer);
    v.setUint32(0, this.hash);
    v.setFloat64(4, e.index);
    v.setUint32(12, e.term);
    v.setUint8(16, e.type);
    this.hash = CRC32C.buf(e.data, CRC32C.buf(head)) >>> 0;
    this.index = e.index;
  }

  snapshotData(): Uint8Array {
    const out = new Uint8Array(4);
    new DataView(out.buffer).setUint32(0, this.hash);
    return out;
  }

  restore(index: number, data: Uint8Array): void {
    this.index = index;
    this.hash = new DataView(data.buffer, data.byteOffset, data.byteLength).getUint32(0);
  }
}

/** Carries out a Ready's persistence step on a MemoryStorage (the driver's job). */
export function persistReady(storage: MemoryStorage, rd: Ready): void {
  if (rd.snapshot !== undefined) storage.applySnapshot(rd.snapshot);
  storage.append(rd.entries);
  if (rd.hardState !== undefined) storage.setHardState(rd.hardState);
  if (rd.confState !== undefined) storage.setConfState(rd.confState);
}

export interface TestNodeOptions {
  electionTick?: number;
  heartbeatTick?: number;
  seed?: number;
  extra?: Partial<RaftConfig>;
}

export class TestNode {
  readonly sm = new HashMachine();
  readonly applied: Entry[] = [];
  readonly readStates: ReadState[] = [];
  node: RawNode;

  constructor(
    readonly id: number,
    readonly storage: MemoryStorage,
    private readonly opts: TestNodeOptions,
  ) {
    this.node = this.makeNode();
  }

  private makeNode(): RawNode {
    return new RawNode({
      id: this.id,
      storage: this.storage,
      electionTick: this.opts.electionTick ?? 10,
      heartbeatTick: this.opts.heartbeatTick ?? 1,
      random: new SeededRandom((this.opts.seed ?? 1) * 1000 + this.id),
      applied: this.sm.index,
      ...this.opts.extra,
    });
  }

  /** Handles every pending Ready; returns the messages to send. Bounded. */
  drain(): Message[] {
    const out: Message[] = [];
    for (let i = 0; i < 100 && this.node.hasReady(); i++) {
      const rd = this.node.ready();
      out.push(...rd.messagesBeforePersist);
      persistReady(this.storage, rd);
      out.push(...rd.messages);
      if (rd.snapshot !== undefined) this.sm.restore(rd.snapshot.metadata.index, rd.snapshot.data);
      for (const e of rd.committedEntries) {
        this.sm.apply(e);
        this.applied.push(e);
      }
      this.readStates.push(...rd.readStates);
      this.node.advance(rd);
    }
    return out;
  }

  /** Takes a snapshot of the state machine and drops the log prefix (the driver's compaction). */
  compact(): void {
    this.storage.compact(this.sm.index, this.sm.snapshotData(), this.node.confState());
  }

  get role(): Role {
    return this.node.status().role;
  }
}

/**
 * A synchronous in-memory cluster for interaction tests: messages are delivered in FIFO order,
 * except across cut links, where they are dropped.
 */
export class Cluster {
  readonly nodes = new Map<number, TestNode>();
  private queue: Message[] = [];
  private readonly cut = new Set<string>();
  delivered: Message[] = [];

  constructor(ids: number[], opts: TestNodeOptions = {}, storages?: Map<number, MemoryStorage>) {
    for (const id of ids) {
      const storage = storages?.get(id) ?? new MemoryStorage({ voters: ids, learners: [] });
      this.nodes.set(id, new TestNode(id, storage, opts));
    }
  }

  node(id: number): TestNode {
    const n = this.nodes.get(id);
    if (n === undefined) throw new Error(`no node ${id}`);
    return n;
  }

  add(id: number, storage: MemoryStorage, opts: TestNodeOptions = {}): TestNode {
    const n = new TestNode(id, storage, opts);
    this.nodes.set(id, n);
    return n;
  }

  isolate(id: number): void {
    for (const other of this.nodes.keys()) {
      if (other === id) continue;
      this.cutLink(id, other);
      this.cutLink(other, id);
    }
  }

  cutLink(from: number, to: number): void {
    this.cut.add(`${from}>${to}`);
  }

  /** The node stops: it is gone from the cluster, and messages to it are dropped. */
  kill(id: number): TestNode {
    const n = this.node(id);
    this.nodes.delete(id);
    return n;
  }

  heal(): void {
    this.cut.clear();
  }

  /** Runs readies and deliveries until nothing moves (bounded). Returns messages delivered. */
  settle(maxRounds = 1000): number {
    let delivered = 0;
    for (let round = 0; round < maxRounds; round++) {
      for (const n of this.nodes.values()) this.queue.push(...n.drain());
      if (this.queue.length === 0) return delivered;
      const batch = this.queue;
      this.queue = [];
      for (const m of batch) {
        if (this.cut.has(`${m.from}>${m.to}`)) continue;
        const target = this.nodes.get(m.to);
        if (target === undefined) continue;
        this.delivered.push(m);
        target.node.step(m);
        delivered++;
      }
    }
    throw new Error('cluster did not settle');
  }

  tick(id: number, n = 1): void {
    for (let i = 0; i < n; i++) this.node(id).node.tick();
  }

  tickAll(n = 1): void {
    for (let i = 0; i < n; i++) {
      for (const node of this.nodes.values()) node.node.tick();
      this.settle();
    }
  }

  leaders(): number[] {
    return [...this.nodes.values()].filter((n) => n.role === Role.LEADER).map((n) => n.id);
  }

  propose(id: number, text: string): number {
    return this.node(id).node.propose(new TextEncoder().encode(text));
  }
}

export function text(e: Entry): string {
  return new TextDecoder().decode(e.data);
}
