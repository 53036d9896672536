/**
 * In-process `__meta` nodes for snapshot tests: a real WalStore (LevelDB on disk), a real node
 * transport on 127.0.0.1 and a RaftHost whose `__meta` state machine is the MetaStateMachine, as in
 * the node. Waits are event-driven (the image waiters), each bounded.
 */
import { join } from 'node:path';
import type { Entry } from '../../src/raft/core/index.js';
import { RaftHost, type RaftHostOptions } from '../../src/raft/driver/index.js';
import { NodeTransport, type PeerAddress } from '../../src/raft/transport/index.js';
import { MetaStateMachine, encodeEvent, type MetaEvent } from '../../src/state/index.js';
import { silentLogger } from '../../src/util/logger.js';
import { WalStore } from '../../src/wal/index.js';

export const META = '__meta';
const logger = silentLogger();

export interface MetaNode {
  readonly id: number;
  readonly dir: string;
  readonly wal: WalStore;
  readonly transport: NodeTransport;
  readonly host: RaftHost;
  readonly sm: MetaStateMachine;
  /** (index, term) of every restore the driver made (a snapshot loaded or installed). */
  readonly restores: Array<{ index: number; term: number }>;
}

export type HostTuning = Partial<Omit<RaftHostOptions, 'transport' | 'wal' | 'dataDir' | 'logger'>>;

export async function startMetaNode(id: number, dir: string, port: number, peers: Map<number, PeerAddress>, voters: number[], tuning: HostTuning): Promise<MetaNode> {
  const wal = await WalStore.open({ dir, logger, fsync: 'always' });
  const transport = new NodeTransport({ nodeId: id, clusterId: 'meta-snapshot-test', listen: { host: '127.0.0.1', port }, peers, logger });
  const address = await transport.start();
  peers.set(id, address);
  const host = new RaftHost({ transport, wal, dataDir: join(dir, 'raft'), logger, ...tuning });
  const sm = new MetaStateMachine({ logger });
  const restores: Array<{ index: number; term: number }> = [];
  await host.addGroup(META, {
    logId: META,
    kind: 'raft',
    voters,
    stateMachine: {
      apply: (entries: Entry[]) => {
        for (const e of entries) sm.apply(e);
      },
      appliedIndex: () => sm.image.appliedIndex,
      snapshot: () => sm.snapshot().data,
      restore: (data, index, term) => {
        restores.push({ index, term });
        sm.restore({ data, index, term });
      },
    },
  });
  return { id, dir, wal, transport, host, sm, restores };
}

export async function stopMetaNode(n: MetaNode): Promise<void> {
  await n.host.close();
  await n.transport.close();
  n.sm.close();
  await n.wal.close();
}

export function waitLeader(n: MetaNode, timeoutMs: number): Promise<void> {
  if (n.host.status(META).role === 'leader') return Promise.resolve();
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      off();
      reject(new Error(`node ${n.id} did not become leader within ${timeoutMs} ms`));
    }, timeoutMs);
    const off = n.host.onLeaderChange((group, _term, _leader, isLocal) => {
      if (group !== META || !isLocal) return;
      clearTimeout(timer);
      off();
      resolve();
    });
  });
}

/** Proposes each event on the leader and resolves with the last index, once committed there. */
export async function commitEvents(leader: MetaNode, events: readonly MetaEvent[]): Promise<number> {
  const proposals = events.map((e) => leader.host.propose(META, encodeEvent(e), 0));
  await Promise.all(proposals.map((p) => p.committed));
  return proposals.at(-1)?.index ?? 0;
}

/** A varied stream of events: brokers, topics (one with configs), their leaders, producer ids. */
export function sampleEvents(from: number, count: number): MetaEvent[] {
  const out: MetaEvent[] = [];
  for (let i = from; out.length < count; i++) {
    const topicId = `${String(i).padStart(8, '0')}-0000-4000-8000-000000000000`;
    out.push({ type: 'TopicCreated', v: 1, topicId, name: `t-${i}`, internal: false, partitions: [{ partition: 0, replicas: [i % 3, (i + 1) % 3] }], configs: i % 4 === 0 ? { 'retention.ms': String(1000 + i) } : {} });
    out.push({ type: 'LeaderElected', v: 1, topicId, partition: 0, leaderId: i % 3, leaderEpoch: 1 + (i % 5) });
    out.push({ type: 'ProducerIdBlockAllocated', v: 1, brokerId: i % 3, firstProducerId: i * 1000, size: 1000 });
  }
  return out.slice(0, count);
}

export function brokers(ids: readonly number[]): MetaEvent[] {
  return ids.map((b) => ({ type: 'BrokerRegistered', v: 1, brokerId: b, kafkaHost: '127.0.0.1', kafkaPort: 9092 + b, raftHost: '127.0.0.1', raftPort: 19092 + b, rack: null, incarnation: `inc-${b}` }));
}
