import type { RaftHost } from '../../raft/driver/index.js';
import { topicById, topicByName, type LeaderElected, type MetadataImage, type MetaEvent, type TopicImage } from '../../state/index.js';
import type { WalStore } from '../../wal/index.js';
import type { Logger } from '../../util/logger.js';
import type { MetaService } from '../meta-service.js';
import { IsrTracker } from './isr-tracker.js';
import { LeaderBalancer } from './leader-balancer.js';
import { adoptCommittedTransfer, transferLeadershipMetadataFirst, type LeaderTransferDeps } from './leader-transfer.js';
import { RecentBatchesBudget } from './recent-batches.js';
import { PartitionReplica } from './replica.js';

const LEADER_ELECTED_TIMEOUT_MS = 10_000;
const LEADER_ELECTED_ATTEMPTS = 5;
const OPEN_CONCURRENCY = 64;
/** Bound on finishing a transfer whose LeaderTransferred committed after its proposal was reported failed. */
const ADOPTED_TRANSFER_TIMEOUT_MS = 15_000;

export interface PartitionManagerOptions {
  readonly nodeId: number;
  readonly raft: RaftHost;
  readonly wal: WalStore;
  readonly meta: MetaService;
  readonly logger: Logger;
  /** Auto leader rebalance interval; undefined disables it. */
  readonly leaderBalanceIntervalMs?: number;
  readonly isPeerUp?: (nodeId: number) => boolean;
}

/** A topic's own `segment.bytes`, for opening its partition logs. */
function segmentBytesOf(topic: TopicImage): { segmentBytes?: number } {
  const raw = topic.configs['segment.bytes'];
  const n = raw === undefined ? NaN : Number(raw);
  return Number.isSafeInteger(n) && n > 0 ? { segmentBytes: n } : {};
}

export function partitionGroupId(topicId: string, partition: number): string {
  return `p/${topicId}/${partition}`;
}

/** Log ids name the topic (for operators) and carry the topic id (a re-created topic is a new log). */
export function partitionLogId(topic: TopicImage, partition: number): string {
  return `p.${topic.name}-${partition}.${topic.topicId.slice(0, 8)}`;
}

/**
 * Keeps this node's partition replicas in step with the metadata image: when a TopicCreated (or
 * PartitionsAdded) that names this node is applied, the partition's Raft group is created and its
 * preferred leader campaigns at once; when a topic is deleted its groups and logs go. A replica that
 * starts serving as leader commits `LeaderElected` with its Raft term as the leader epoch.
 */
export type ServingListener = (replica: PartitionReplica, serving: boolean) => void;

export class PartitionManager {
  private readonly replicas = new Map<string, PartitionReplica>();
  /** One byte budget for the recent batches of every partition this node serves. */
  private readonly recentBudget = new RecentBatchesBudget();
  private readonly servingListeners = new Set<ServingListener>();
  private readonly log: Logger;
  /** Reconciliations run one at a time, in image order. */
  private chain: Promise<void> = Promise.resolve();
  private closed = false;
  private readonly isr: IsrTracker;
  private readonly balancer: LeaderBalancer | undefined;
  private readonly transferDeps: LeaderTransferDeps;

  constructor(private readonly opts: PartitionManagerOptions) {
    this.log = opts.logger.child({ module: 'partitions' });
    opts.raft.onLeaderChange((groupId, term, leader) => {
      const replica = this.replicas.get(groupId);
      if (replica === undefined) return;
      const wasServing = replica.serving !== undefined;
      replica.onLeaderChange(term, leader);
      if (wasServing && replica.serving === undefined) this.emitServing(replica, false);
    });
    opts.meta.onApplied((image, events) => {
      this.schedule(image);
      this.adoptTransfers(events);
    });
    this.isr = new IsrTracker({
      nodeId: opts.nodeId,
      raft: opts.raft,
      isPeerUp: opts.isPeerUp ?? ((): boolean => true),
      logger: opts.logger,
      image: () => opts.meta.image,
      replicas: () => this.replicas.values(),
      propose: (event, timeoutMs) => opts.meta.propose([event], timeoutMs),
    });
    this.transferDeps = {
      nodeId: opts.nodeId,
      raft: opts.raft,
      meta: opts.meta,
      logger: opts.logger,
      isPeerUp: opts.isPeerUp ?? ((): boolean => true),
      stopServing: (replica, epoch) => {
        if (replica.stopServingForTransfer(epoch)) this.emitServing(replica, false);
      },
      reelect: (replica) => this.reelect(replica),
      inProgress: new Set(),
    };
    this.balancer =
      opts.leaderBalanceIntervalMs === undefined || opts.isPeerUp === undefined
        ? undefined
        : new LeaderBalancer({
            nodeId: opts.nodeId,
            raft: opts.raft,
            logger: opts.logger,
            intervalMs: opts.leaderBalanceIntervalMs,
            image: () => opts.meta.image,
            replicas: () => this.replicas.values(),
            isPeerUp: opts.isPeerUp,
          });
  }

  replica(topic: string, partition: number): PartitionReplica | undefined {
    const t = topicByName(this.opts.meta.image, topic);
    return t === undefined ? undefined : this.replicas.get(partitionGroupId(t.topicId, partition));
  }

  /** Told when a local replica starts (true) or stops (false) serving as leader. */
  onServing(listener: ServingListener): () => void {
    this.servingListeners.add(listener);
    return () => this.servingListeners.delete(listener);
  }

  private emitServing(replica: PartitionReplica, serving: boolean): void {
    for (const listener of this.servingListeners) {
      try {
        listener(replica, serving);
      } catch (err) {
        this.log.error({ err, groupId: replica.opts.groupId }, 'serving listener threw');
      }
    }
  }

  all(): IterableIterator<PartitionReplica> {
    return this.replicas.values();
  }

  /** Resolves once every reconciliation scheduled so far has run. */
  settled(): Promise<void> {
    return this.chain;
  }

  schedule(image: MetadataImage): void {
    this.chain = this.chain.then(() => this.reconcile(image)).catch((err: unknown) => {
      this.log.error({ err }, 'partition reconciliation failed');
    });
  }

  private async reconcile(image: MetadataImage): Promise<void> {
    if (this.closed) return;
    const wanted = new Set<string>();
    const toAdd: (() => Promise<void>)[] = [];
    for (const topic of image.topicsById.values()) {
      for (const p of topic.partitions) {
        if (!p.replicas.includes(this.opts.nodeId)) continue;
        const groupId = partitionGroupId(topic.topicId, p.partition);
        wanted.add(groupId);
        if (!this.replicas.has(groupId)) toAdd.push(() => this.addReplica(topic, p.partition, p.replicas));
      }
    }
    // New partitions open concurrently (each open creates files and syncs), in bounded waves.
    for (let i = 0; i < toAdd.length; i += OPEN_CONCURRENCY) {
      await Promise.all(toAdd.slice(i, i + OPEN_CONCURRENCY).map((add) => add()));
    }
    for (const groupId of [...this.replicas.keys()]) {
      if (!wanted.has(groupId)) await this.removeReplica(groupId);
    }
  }

  private async addReplica(topic: TopicImage, partition: number, replicas: readonly number[]): Promise<void> {
    const groupId = partitionGroupId(topic.topicId, partition);
    const replica = await PartitionReplica.open({
      topicId: topic.topicId,
      topic: topic.name,
      partition,
      groupId,
      ...segmentBytesOf(topic),
      logId: partitionLogId(topic, partition),
      raft: this.opts.raft,
      wal: this.opts.wal,
      nodeId: this.opts.nodeId,
      logger: this.opts.logger,
      onServing: (r, epoch) => {
        this.emitServing(r, true);
        void this.announceLeader(r, epoch);
      },
      transferLeadership: (r, to, timeoutMs) => transferLeadershipMetadataFirst(this.transferDeps, r, to, timeoutMs),
      recentBudget: this.recentBudget,
    });
    const brandNew = replica.wal.lastIndex === 0 && replica.wal.hardState.term === 0;
    this.replicas.set(groupId, replica);
    await this.opts.raft.addGroup(groupId, {
      logId: partitionLogId(topic, partition),
      kind: 'partition',
      voters: [...replicas],
      stateMachine: replica,
      preferredLeader: replicas[0] as number,
      // Partition followers serve nothing from their applied state (only the leader answers Fetch),
      // so a commit reaches them with the next append or heartbeat instead of a notice of its own:
      // with single-message produces that notice was half of each entry's messages (docs/raft.md).
      commitNotices: false,
    });
    // A just-created partition elects its designated leader at once instead of after a timeout.
    if (brandNew && replicas[0] === this.opts.nodeId) this.opts.raft.campaign(groupId);
  }

  /** LeaderTransferred events from this node that no running transfer is waiting for (leader-transfer.ts). */
  private adoptTransfers(events: readonly MetaEvent[]): void {
    for (const e of events) {
      if (e.type !== 'LeaderTransferred' || e.fromLeaderId !== this.opts.nodeId) continue;
      const replica = this.replicas.get(partitionGroupId(e.topicId, e.partition));
      if (replica !== undefined) adoptCommittedTransfer(this.transferDeps, replica, e.fromEpoch, e.toLeaderId, ADOPTED_TRANSFER_TIMEOUT_MS);
    }
  }

  /**
   * A leadership transfer's last resort (leader-transfer.ts): this node still leads a term whose
   * successor the metadata already names, and no follower took over. Reopening the group makes it a
   * follower of that term (its durable state is kept) and it campaigns at once: the next leader is
   * elected in a later term and announces itself. Runs in the reconciliation chain.
   */
  private reelect(replica: PartitionReplica): Promise<void> {
    const run = this.chain.then(async () => {
      const groupId = replica.opts.groupId;
      const topic = topicById(this.opts.meta.image, replica.opts.topicId);
      const replicas = topic?.partitions[replica.opts.partition]?.replicas;
      if (this.closed || topic === undefined || replicas === undefined || this.replicas.get(groupId) !== replica) return;
      this.replicas.delete(groupId);
      replica.close();
      await this.opts.raft.removeGroup(groupId);
      await this.addReplica(topic, replica.opts.partition, replicas);
      this.opts.raft.campaign(groupId);
    });
    this.chain = run.catch((err: unknown) => {
      this.log.error({ err, groupId: replica.opts.groupId }, 're-election after a failed transfer failed');
    });
    return this.chain;
  }

  private async removeReplica(groupId: string): Promise<void> {
    const replica = this.replicas.get(groupId);
    this.replicas.delete(groupId);
    if (replica?.serving !== undefined) this.emitServing(replica, false);
    replica?.close();
    await this.opts.raft.removeGroup(groupId, { deleteLog: true });
    this.log.info({ groupId }, 'removed partition replica');
  }

  /**
   * Commits LeaderElected for a replica that started serving. Retried a bounded number of times
   * (the meta leader may be changing too); a stale epoch is ignored by evolve, so retries are safe.
   */
  private async announceLeader(replica: PartitionReplica, epoch: number): Promise<void> {
    const event: LeaderElected = {
      type: 'LeaderElected',
      v: 1,
      topicId: replica.opts.topicId,
      partition: replica.opts.partition,
      leaderId: this.opts.nodeId,
      leaderEpoch: epoch,
    };
    for (let attempt = 1; attempt <= LEADER_ELECTED_ATTEMPTS && !this.closed; attempt++) {
      if (replica.serving?.epoch !== epoch) return; // lost it meanwhile; the next leader announces itself
      try {
        await this.opts.meta.propose([event], LEADER_ELECTED_TIMEOUT_MS);
        this.log.debug({ topic: replica.opts.topic, partition: replica.opts.partition, epoch }, 'LeaderElected committed');
        return;
      } catch (err) {
        this.log.warn({ err, groupId: replica.opts.groupId, epoch, attempt }, 'LeaderElected not committed; retrying');
      }
    }
  }

  close(): void {
    this.closed = true;
    this.isr.close();
    this.balancer?.close();
    for (const replica of this.replicas.values()) replica.close();
  }
}
