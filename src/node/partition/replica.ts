import type { Entry } from '../../raft/core/index.js';
import type { GroupStateMachine, RaftHost } from '../../raft/driver/index.js';
import { ProducerStateManager } from '../../kafka/idempotence/index.js';
import { readBatchHeader, recordsCrc, type RecordBatchHeader } from '../../kafka/record-batch/index.js';
import { EntryType, type WalLog, type WalStore } from '../../wal/index.js';
import { ErrorCode, KafkaError, NotLeaderError } from '../../util/errors.js';
import type { Logger } from '../../util/logger.js';
import { asBuffer } from './bytes.js';
import { FetchHints } from './fetch-hints.js';
import { recoverTail } from './log-tail.js';
import { RecentBatches, RECENT_BATCHES_IDLE_PUSHES, RECENT_BATCHES_MAX_BYTES, RECENT_BATCHES_MAX_COUNT, type RecentBatchesBudget } from './recent-batches.js';
import { WatermarkWaiters } from './watermark-waiters.js';

export interface PartitionId {
  readonly topicId: string;
  readonly topic: string;
  readonly partition: number;
}

export interface ReplicaOptions extends PartitionId {
  readonly groupId: string;
  readonly logId: string;
  readonly raft: RaftHost;
  readonly wal: WalStore;
  readonly nodeId: number;
  readonly logger: Logger;
  /** Called once this node leads and has applied its term's first entry: it can serve now. */
  readonly onServing: (replica: PartitionReplica, leaderEpoch: number) => void;
  /**
   * Hands leadership to `to` metadata-first (leader-transfer.ts); resolves once it moved. Absent
   * (unit tests), a plain Raft transfer.
   */
  readonly transferLeadership?: (replica: PartitionReplica, to: number, timeoutMs: number) => Promise<void>;
  /** The topic's `segment.bytes`, when set (else the store's default); applies when the log is opened. */
  readonly segmentBytes?: number;
  /** The node's budget for all partitions' recent batches (unbounded across partitions without one). */
  readonly recentBudget?: RecentBatchesBudget;
}

/** What the leader's produce path needs while it serves one term. */
export interface LeaderTerm {
  readonly epoch: number;
  /** Next offset to assign: after every batch in the log, committed or proposed. */
  nextOffset: number;
  /** Producer state including this term's proposed-but-uncommitted batches. */
  readonly producers: ProducerStateManager;
  /** This term's idempotent batches not yet committed, by producer:epoch:sequence (see produce.ts). */
  readonly inFlight: Map<string, Promise<void>>;
}

/**
 * One replica of a partition: the state machine of the partition's Raft group. The partition's data
 * is the group's log (entry type 2 = a record batch with offsets assigned), so applying an entry
 * only moves the high watermark; nothing is copied. The leader serves produce and fetch; the
 * produce and fetch logic itself lives in produce.ts and fetch.ts.
 */
export class PartitionReplica implements GroupStateMachine {
  readonly waiters = new WatermarkWaiters();
  /** Where sequential readers' next fetches start (skips an index seek per fetch). */
  readonly fetchHints = new FetchHints();
  /** The last committed batches while this replica serves as leader: tail readers skip the disk. */
  readonly recent: RecentBatches;
  readonly log: Logger;
  private applied = 0;
  private appliedTerm = 0;
  private hw = 0;
  /** Producer state of committed batches; a new leader term starts from a copy of it. */
  private readonly committedProducers: ProducerStateManager;
  private leaderTerm: LeaderTerm | undefined;
  /** A term this node leads but is handing over: it does not serve in it (again). */
  private handingOverEpoch: number | undefined;

  private constructor(
    readonly opts: ReplicaOptions,
    readonly wal: WalLog,
  ) {
    this.log = opts.logger.child({ module: 'partition', topic: opts.topic, partition: opts.partition });
    this.recent = new RecentBatches(RECENT_BATCHES_MAX_BYTES, RECENT_BATCHES_MAX_COUNT, RECENT_BATCHES_IDLE_PUSHES, opts.recentBudget);
    this.committedProducers = this.newProducerState();
  }

  /** Opens the replica's log and recovers its derived state (high watermark, producer state). */
  static async open(opts: ReplicaOptions): Promise<PartitionReplica> {
    const log = await opts.wal.openLog(opts.logId, opts.segmentBytes === undefined ? { kind: 'partition' } : { kind: 'partition', segmentBytes: opts.segmentBytes });
    const replica = new PartitionReplica(opts, log);
    const commit = Math.min(log.hardState.commit, log.lastIndex);
    const tail = await recoverTail(log, commit);
    replica.applied = Math.max(commit, log.firstIndex - 1);
    replica.appliedTerm = replica.applied === 0 ? 0 : log.termAt(replica.applied);
    replica.hw = tail.highWatermark;
    replica.committedProducers.rebuildFrom(tail.producerBatches);
    return replica;
  }

  get highWatermark(): number {
    return this.hw;
  }

  get logStartOffset(): number {
    return this.wal.logStartOffset;
  }

  get appliedEntryIndex(): number {
    return this.applied;
  }

  /** The serving leader's term, or undefined: the produce path checks this and never waits. */
  get serving(): LeaderTerm | undefined {
    return this.leaderTerm;
  }

  // ---- GroupStateMachine ----

  apply(entries: Entry[]): void {
    for (const entry of entries) {
      if (entry.index <= this.applied) continue;
      this.applied = entry.index;
      this.appliedTerm = entry.term;
      if (entry.type !== EntryType.KAFKA_BATCH) continue;
      const header = readBatchHeader(asBuffer(entry.data));
      this.hw = header.baseOffset + header.lastOffsetDelta + 1;
      if (this.leaderTerm !== undefined) this.recent.push(entry.index, header.baseOffset, this.hw, entry.data);
      if (header.producerId >= 0) this.committedProducers.onAppended({ ...header, recordsCrc: recordsCrc(asBuffer(entry.data)) }, header.baseOffset, header.maxTimestamp);
    }
    this.waiters.advance(this.hw);
    if (this.leaderTerm === undefined) this.maybeStartServing();
  }

  appliedIndex(): number {
    return this.applied;
  }

  snapshot(): Uint8Array | undefined {
    return undefined;
  }

  restore(_data: Uint8Array, index: number, term: number): void {
    // A snapshot of a partition carries no state of its own: the log restarts after `index`.
    this.applied = index;
    this.appliedTerm = term;
    this.hw = Math.max(this.hw, this.wal.nextOffset);
    this.committedProducers.clear();
    this.fetchHints.clear();
    this.recent.clear();
  }

  // ---- leadership ----

  /** From the Raft host's leader-change events. */
  onLeaderChange(term: number, leader: number | undefined): void {
    if (leader !== this.opts.nodeId || (this.leaderTerm !== undefined && this.leaderTerm.epoch !== term)) {
      if (this.leaderTerm !== undefined) this.log.debug({ term, leader }, 'stopped serving');
      this.leaderTerm = undefined;
      this.recent.clear();
      this.waiters.wakeAll();
    }
    if (leader === this.opts.nodeId) this.maybeStartServing();
  }

  /**
   * A new leader serves once it has applied an entry of its own term (its no-op, §8 of the Raft
   * paper): everything before it is committed and applied, so the high watermark is exact and the
   * next offset to assign is the high watermark.
   */
  private maybeStartServing(): void {
    const status = this.opts.raft.status(this.opts.groupId);
    if (status.role !== 'leader' || status.leader !== this.opts.nodeId || this.appliedTerm !== status.term) return;
    if (status.term === this.handingOverEpoch) return;
    const producers = this.newProducerState();
    producers.restore(this.committedProducers.snapshot());
    this.leaderTerm = { epoch: status.term, nextOffset: this.hw, producers, inFlight: new Map() };
    // The ring must end at the high watermark with no gap: it starts empty with the term.
    this.recent.clear();
    this.log.debug({ epoch: status.term, hw: this.hw }, 'serving as leader');
    this.opts.onServing(this, status.term);
  }

  /** Moves leadership to `to` (metadata first when the node wired it so); resolves once it moved. */
  transferLeadershipTo(to: number, timeoutMs: number): Promise<void> {
    const transfer = this.opts.transferLeadership;
    return transfer === undefined ? this.opts.raft.transferLeadership(this.opts.groupId, to, timeoutMs) : transfer(this, to, timeoutMs);
  }

  /**
   * Stops serving `epoch` for a leadership transfer whose new metadata is already applied: from now
   * on produce gets NOT_LEADER_OR_FOLLOWER here, and this replica does not start serving in that
   * term again (a later term of its own is served normally). Returns whether it was serving `epoch`.
   */
  stopServingForTransfer(epoch: number): boolean {
    if (this.leaderTerm?.epoch !== epoch) return false;
    this.handingOverEpoch = epoch;
    this.leaderTerm = undefined;
    this.recent.clear();
    this.waiters.wakeAll();
    this.log.debug({ epoch }, 'stopped serving: handing leadership over');
    return true;
  }

  /** Throws NOT_LEADER_OR_FOLLOWER at once when this replica does not serve: never waits. */
  requireLeader(): LeaderTerm {
    const term = this.leaderTerm;
    if (term === undefined) {
      const leader = this.opts.raft.has(this.opts.groupId) ? this.opts.raft.status(this.opts.groupId).leader : undefined;
      throw new NotLeaderError(`not the leader of ${this.opts.topic}-${this.opts.partition}`, leader);
    }
    return term;
  }

  /** Kafka's current_leader_epoch check (KIP-320): FENCED when the client's epoch is older, UNKNOWN when newer. */
  checkLeaderEpoch(currentLeaderEpoch: number): void {
    if (currentLeaderEpoch < 0) return;
    const epoch = this.leaderTerm?.epoch ?? this.opts.raft.status(this.opts.groupId).term;
    if (currentLeaderEpoch < epoch) throw new KafkaError(ErrorCode.FENCED_LEADER_EPOCH, `leader epoch ${currentLeaderEpoch} < ${epoch}`);
    if (currentLeaderEpoch > epoch) throw new KafkaError(ErrorCode.UNKNOWN_LEADER_EPOCH, `leader epoch ${currentLeaderEpoch} > ${epoch}`);
  }

  close(): void {
    this.leaderTerm = undefined;
    this.recent.clear();
    this.waiters.wakeAll();
  }

  private newProducerState(): ProducerStateManager {
    return new ProducerStateManager({ clock: { now: () => Date.now() }, logger: this.opts.logger });
  }
}

export type { RecordBatchHeader };
