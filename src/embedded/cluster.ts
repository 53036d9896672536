import { META_GROUP } from '../node/meta-service.js';
import type { ChronikNode } from '../node/node.js';
import { partitionGroupId } from '../node/partition/manager.js';
import { TransportError } from '../raft/transport/index.js';
import { topicByName } from '../state/index.js';
import { ErrorCode, KafkaError } from '../util/errors.js';
import { createLogger, type Logger } from '../util/logger.js';
import { EmbeddedClusterError } from './errors.js';
import { eventPredicate, leaderOf, toImagePredicate, type ClusterEvent, type ClusterEventValue, type ClusterPredicate } from './events.js';
import { NetworkPartition } from './faults.js';
import type { NodeSlot } from './node-slot.js';
import { attemptTimeoutMs, transferWithRetries } from './leadership.js';
import { buildSlots } from './slots.js';
import { resolveOptions, type ResolvedOptions, type StartChronikOptions } from './options.js';
import { reservePorts } from './ports.js';
import { waitForServingLeaders } from './readiness.js';
import { readRecords, type StoredRecord } from './records.js';
import { closeClusterStorage, openClusterStorage, type ClusterStorage } from './storage.js';
import { createTopic, DEFAULT_ADMIN_TIMEOUT_MS, deleteAllGroups, deleteAllTopics, type CreatedTopic, type CreateTopicOptions } from './topics.js';

const HOST = '127.0.0.1';

export interface WaitForOptions {
  /** Required bound on the wait. */
  readonly timeoutMs: number;
  /** Evaluate on this node's image only (default: every running node must satisfy it). */
  readonly node?: number;
}

export interface ResetOptions {
  readonly timeoutMs?: number;
}

export interface ResetResult {
  readonly topics: readonly string[];
  readonly groups: readonly string[];
}

/**
 * A Chronik cluster running inside this process: `nodes` real nodes (the same ChronikNode that
 * `chronik start` runs), talking Raft to each other over TCP on loopback and Kafka to clients.
 * Every instance owns all of its state; several can run side by side.
 */
export class EmbeddedCluster {
  private partitionState: NetworkPartition | undefined;
  private stopping: Promise<void> | undefined;

  private constructor(
    private readonly options: ResolvedOptions,
    private readonly slots: readonly NodeSlot[],
    private readonly storage: ClusterStorage,
  ) {}

  /** Starts every node and resolves once every broker is registered and visible to every node. */
  static async start(input: StartChronikOptions = {}): Promise<EmbeddedCluster> {
    const options = resolveOptions(input);
    const logger = options.logger ?? createLogger({ level: options.logLevel });
    const storage = await openClusterStorage(options);
    for (let attempt = 1; ; attempt++) {
      const slots = buildSlots(options, storage, await reservePorts(options.nodes), logger);
      const cluster = new EmbeddedCluster(options, slots, storage);
      try {
        await cluster.bootstrap();
        return cluster;
      } catch (err) {
        await Promise.all(slots.map((s) => s.stop().catch(() => undefined)));
        if (attempt < START_ATTEMPTS && lostPortRace(err)) {
          logger.warn({ err, attempt }, 'a reserved Raft port was taken before the node bound it; retrying with new ports');
          continue;
        }
        await closeClusterStorage(storage).catch(() => undefined);
        throw err;
      }
    }
  }

  private async bootstrap(): Promise<void> {
    const nodes = await Promise.all(this.slots.map((s) => s.start()));
    // A fresh multi-node cluster would otherwise wait a randomised election timeout (1–2 s) for its
    // first __meta leader; node 0 campaigns at once instead (an ordinary Raft election).
    const first = nodes[0];
    if (nodes.length > 1 && first !== undefined && first.meta.leader() === undefined) first.raft.campaign(META_GROUP);
    await this.waitFor({ type: 'brokers-registered' }, { timeoutMs: this.options.startTimeoutMs });
    // Started on existing data: partitions must re-elect before clients can use them.
    await Promise.all(nodes.map((n) => n.partitions.settled()));
    await waitForServingLeaders(nodes, this.options.startTimeoutMs);
  }

  /** Kafka bootstrap addresses, one per node (stable across restarts), e.g. `['127.0.0.1:39217']`. */
  get brokers(): string[] {
    return this.slots.map((s) => `${HOST}:${s.addresses.kafkaPort}`);
  }

  /** The cluster's storage root (node i in `<dataDir>/node-i`); a temp dir unless one was given. */
  get dataDir(): string {
    return this.storage.root;
  }

  /** Node ids, 0..nodes-1. */
  get nodeIds(): number[] {
    return this.slots.map((s) => s.id);
  }

  /** The running node with this id (an escape hatch for advanced tests), undefined when it is down. */
  node(id: number): ChronikNode | undefined {
    return this.slot(id).node;
  }

  /** Whether the node is running (not killed). */
  isRunning(id: number): boolean {
    return this.slot(id).node !== undefined;
  }

  /** Creates a topic; resolves once every running node's metadata shows a leader for each partition. */
  async createTopic(name: string, options: CreateTopicOptions = {}): Promise<CreatedTopic> {
    return createTopic(this.anyLive(), this.reachable(), name, options);
  }

  /**
   * Deletes every topic (not the internal `__consumer_offsets`) and every consumer group, waiting
   * until all running nodes applied it. A group that still has members (a consumer left connected)
   * cannot be deleted; reset() then fails with GROUP_NOT_EMPTY naming it, after deleting the rest.
   */
  async reset(options: ResetOptions = {}): Promise<ResetResult> {
    const timeoutMs = options.timeoutMs ?? DEFAULT_ADMIN_TIMEOUT_MS;
    const topics = await deleteAllTopics(this.anyLive(), this.reachable(), timeoutMs);
    const groups = await deleteAllGroups(this.reachable());
    if (groups.inUse.length > 0) {
      throw new EmbeddedClusterError(`reset: consumer group(s) ${groups.inUse.join(', ')} still have members; disconnect consumers first`, { code: ErrorCode.NON_EMPTY_GROUP });
    }
    return { topics, groups: groups.deleted };
  }

  /** Committed records of a topic (all partitions, or one), read from storage: no consumer needed. */
  records(topic: string, partition?: number): Promise<StoredRecord[]> {
    return readRecords(this.reachable(), topic, partition);
  }

  /** The partition's leader as the metadata of a running node shows it; undefined when none. */
  leaderOf(topic: string, partition: number): number | undefined {
    return leaderOf(this.anyLive().meta.image, topic, partition);
  }

  /**
   * Resolves once the condition holds — on every running node's metadata image (while a network
   * partition is in force: every running node on the majority's side), or on `node`'s —
   * with the predicate's value (from the first node). Event-driven: the image's waiters are
   * notified by each applied `__meta` entry; nothing polls. Rejects after `timeoutMs`.
   */
  waitFor<E extends ClusterEvent>(event: E, options: WaitForOptions): Promise<ClusterEventValue<E>>;
  waitFor<T>(predicate: ClusterPredicate<T>, options: WaitForOptions): Promise<T>;
  async waitFor(condition: ClusterPredicate<unknown> | ClusterEvent, options: WaitForOptions): Promise<unknown> {
    const predicate = toImagePredicate(typeof condition === 'function' ? condition : eventPredicate(condition, this.nodeIds));
    const nodes = options.node === undefined ? this.reachable() : [this.slot(options.node).running()];
    if (nodes.length === 0) throw new EmbeddedClusterError('waitFor: no node is running');
    const what = typeof condition === 'function' ? 'cluster condition' : `cluster event ${condition.type}`;
    const values = await Promise.all(nodes.map((n) => n.meta.state.waiters.waitFor(predicate, { timeoutMs: options.timeoutMs, what })));
    return values[0];
  }

  /**
   * Kills a node: its links to peers drop at once and it hands nothing over (no leadership
   * transfer), like a crashed process. Its storage is kept for restartNode.
   */
  async killNode(id: number): Promise<void> {
    await this.slot(id).kill();
  }

  /**
   * Restarts a killed node on the same ports and storage (disk: the same dir, recovered) and waits
   * until it is registered, caught up on `__meta` and has opened its replicas — and, with every node
   * up and no network partition, until every partition is served. A partition in force is applied
   * to it (a few frames may pass before that, while it starts); if it cuts the node off from any
   * peer, restartNode returns once the node runs, without waiting for a quorum.
   */
  async restartNode(id: number, options: { timeoutMs?: number } = {}): Promise<void> {
    const slot = this.slot(id);
    this.assertNotStopped();
    const node = await slot.start();
    const cut = this.partitionState;
    cut?.applyTo(id, node.transport, this.nodeIds);
    // Cut off from some peers it may not reach a __meta quorum at all: do not wait for what only a
    // quorum can give (registration, catch-up); heal() lets it catch up.
    if (cut !== undefined && cut.cutPeersOf(id, this.nodeIds).length > 0) return;
    const timeoutMs = options.timeoutMs ?? this.options.startTimeoutMs;
    await node.ready(timeoutMs);
    // Catch up on __meta (everything committed before now is applied here), then let the partition
    // manager open this node's replicas: afterwards the node is a full member again, e.g. a valid
    // target for transferLeadership.
    await node.meta.readBarrier(timeoutMs);
    await node.partitions.settled();
    // With every node up again, every partition can (and soon will) have a serving leader: wait for
    // it, so a single-node cluster is usable at once after a restart, like after startChronik().
    if (cut === undefined && this.slots.every((s) => s.node !== undefined)) await waitForServingLeaders(this.live(), timeoutMs);
  }

  /**
   * Cuts the network between sides (`partition([0], [1, 2])`): every frame between nodes of
   * different sides is dropped, both ways. Kafka listeners stay up: clients can still reach every
   * node, as when only the inter-broker network fails. Replaces any partition in force.
   */
  partition(...sides: readonly (readonly number[])[]): void {
    this.heal();
    const cut = new NetworkPartition(sides, this.nodeIds);
    this.partitionState = cut;
    for (const slot of this.slots) {
      if (slot.node !== undefined) cut.applyTo(slot.id, slot.node.transport, this.nodeIds);
    }
  }

  /** Removes every link fault. */
  heal(): void {
    this.partitionState = undefined;
    for (const slot of this.slots) slot.node?.transport.clearLinkFaults();
  }

  /**
   * Moves a partition's leadership to `toNode` through Raft's leadership transfer, and resolves once
   * every running node's metadata shows `toNode` as the leader.
   */
  async transferLeadership(topic: string, partition: number, toNode: number, options: { timeoutMs?: number } = {}): Promise<void> {
    const timeoutMs = options.timeoutMs ?? DEFAULT_ADMIN_TIMEOUT_MS;
    const image = topicByName(this.anyLive().meta.image, topic);
    if (image?.partitions[partition] === undefined) throw new KafkaError(ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, `unknown partition ${topic}-${partition}`);
    if (!image.partitions[partition].replicas.includes(toNode)) throw new EmbeddedClusterError(`node ${toNode} has no replica of ${topic}-${partition}`);
    const groupId = partitionGroupId(image.topicId, partition);
    const deadline = Date.now() + timeoutMs;
    await transferWithRetries(this.live(), groupId, toNode, deadline, attemptTimeoutMs(this.anyLive()));
    await this.waitFor({ type: 'leader', topic, partition, leader: toNode }, { timeoutMs: Math.max(1, deadline - Date.now()) });
  }

  /**
   * Stops every node, closes in-memory stores and removes the temp dir (not a given dataDir).
   * Afterwards the cluster holds no handles. Idempotent.
   */
  stop(): Promise<void> {
    this.stopping ??= this.stopAll();
    return this.stopping;
  }

  private async stopAll(): Promise<void> {
    await Promise.all(this.slots.map((s) => s.stop()));
    await closeClusterStorage(this.storage);
  }

  private slot(id: number): NodeSlot {
    const slot = this.slots[id];
    if (slot === undefined) throw new EmbeddedClusterError(`no node ${id} (nodes are 0..${this.slots.length - 1})`);
    return slot;
  }

  private live(): ChronikNode[] {
    this.assertNotStopped();
    return this.slots.flatMap((s) => (s.node === undefined ? [] : [s.node]));
  }

  /**
   * The node whose view the cluster reports: a running node, on the side of a network partition
   * with the most nodes (the side that keeps a quorum), lowest id first.
   */
  private anyLive(): ChronikNode {
    const cut = this.partitionState;
    const live = this.live();
    const cutCount = (n: ChronikNode): number => (cut === undefined ? 0 : cut.cutPeersOf(n.config.nodeId, this.nodeIds).length);
    const node = [...live].sort((a, b) => cutCount(a) - cutCount(b))[0];
    if (node === undefined) throw new EmbeddedClusterError('no node is running');
    return node;
  }

  /** Running nodes on the same side of a network partition as the node anyLive() returns: those that can agree. */
  private reachable(): ChronikNode[] {
    const cut = this.partitionState;
    const view = this.anyLive();
    if (cut === undefined) return this.live();
    const away = new Set(cut.cutPeersOf(view.config.nodeId, this.nodeIds));
    return this.live().filter((n) => !away.has(n.config.nodeId));
  }

  private assertNotStopped(): void {
    if (this.stopping !== undefined) throw new EmbeddedClusterError('the cluster is stopped');
  }
}

/** Start attempts when a reserved Raft port is taken between reservation and bind. */
const START_ATTEMPTS = 3;

function lostPortRace(err: unknown): boolean {
  return err instanceof TransportError && err.cause instanceof Error && (err.cause as NodeJS.ErrnoException).code === 'EADDRINUSE';
}

