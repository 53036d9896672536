import { randomUUID } from 'node:crypto';
import { assert } from '../../util/assert.js';
import { ErrorCode } from '../../util/errors.js';
import type { Logger } from '../../util/logger.js';
import { deleteGroup, describeGroup, listedGroup } from './admin.js';
import type { GroupCoordinatorConfig } from './config.js';
import { resolveGroupCoordinatorConfig } from './config.js';
import type { CoordinatorContext } from './context.js';
import { Group } from './group.js';
import { joinGroup } from './join.js';
import { materializeGroups, replayRecord } from './loader.js';
import type { ReplayedGroup } from './loader.js';
import type { GroupLog } from './log.js';
import { answerJoin, answerSync } from './member.js';
import { heartbeat, leaveGroup } from './membership.js';
import { commitError, commitOffsets, deleteOffsets, fetchOffsets } from './offsets.js';
import { groupPartitionFor } from './partition.js';
import type { GroupRecord } from './records.js';
import { joinError, syncError } from './results.js';
import { applyRetention, expiredRecords } from './retention.js';
import { syncGroup } from './sync.js';
import { TimerSet } from './timers.js';
import type { Clock, Scheduler } from './time.js';
import type {
  DeleteGroupResult,
  GroupState,
  DescribedGroup,
  HeartbeatRequest,
  HeartbeatResult,
  JoinGroupRequest,
  JoinGroupResult,
  LeaveGroupRequest,
  LeaveGroupResult,
  ListGroupsResult,
  OffsetCommitRequest,
  OffsetCommitResult,
  OffsetDeleteRequest,
  OffsetDeleteResult,
  OffsetFetchRequest,
  OffsetFetchResult,
  SyncGroupRequest,
  SyncGroupResult,
} from './types.js';

export interface GroupCoordinatorOptions {
  readonly log: GroupLog;
  readonly clock: Clock;
  readonly scheduler: Scheduler;
  readonly logger: Logger;
  readonly config?: Partial<GroupCoordinatorConfig>;
  /** Defaults to `${clientId}-${randomUUID()}`, Kafka's member id format. */
  readonly newMemberId?: (clientId: string) => string;
}

interface OwnedPartition {
  status: 'loading' | 'owned';
  groups: Map<string, Group>;
}

/**
 * The classic-protocol group coordinator of one node. It serves the groups of the
 * __consumer_offsets partitions this node leads: the node calls loadPartition when it becomes a
 * partition's leader and unloadPartition when it stops being it; requests for groups of other
 * partitions get NOT_COORDINATOR. All durable state goes through the GroupLog.
 */
export class GroupCoordinator {
  readonly #ctx: CoordinatorContext;
  readonly #scheduler: Scheduler;
  readonly #partitions = new Map<number, OwnedPartition>();
  /** The coordinator's own timer: the periodic offset-retention sweep. */
  readonly #timers: TimerSet;
  #sweeping = false;
  #stopped = false;

  constructor(options: GroupCoordinatorOptions) {
    this.#ctx = {
      config: resolveGroupCoordinatorConfig(options.config),
      clock: options.clock,
      log: options.log,
      logger: options.logger.child({ module: 'group-coordinator' }),
      newMemberId: options.newMemberId ?? ((clientId) => `${clientId}-${randomUUID()}`),
      forgetIfUnused: (group) => this.#forgetIfUnused(group),
    };
    this.#scheduler = options.scheduler;
    this.#timers = new TimerSet(options.scheduler);
  }

  get config(): GroupCoordinatorConfig {
    return this.#ctx.config;
  }

  partitionFor(groupId: string): number {
    return groupPartitionFor(groupId, this.#ctx.config.numPartitions);
  }

  /** NONE if this node serves the group now; otherwise the error a client should see (FindCoordinator too). */
  coordinatorError(groupId: string): number {
    if (this.#stopped) return ErrorCode.COORDINATOR_NOT_AVAILABLE;
    const owned = this.#partitions.get(this.partitionFor(groupId));
    if (owned === undefined) return ErrorCode.NOT_COORDINATOR;
    return owned.status === 'loading' ? ErrorCode.COORDINATOR_LOAD_IN_PROGRESS : ErrorCode.NONE;
  }

  ownedPartitions(): number[] {
    return [...this.#partitions].filter(([, p]) => p.status === 'owned').map(([n]) => n).sort((a, b) => a - b);
  }

  /**
   * This node became the leader of `partition`: replays its committed records (in log order) and
   * then serves its groups. Requests meanwhile get COORDINATOR_LOAD_IN_PROGRESS. An unload (or a
   * newer load) during the replay abandons it.
   */
  async loadPartition(partition: number, records: Iterable<GroupRecord> | AsyncIterable<GroupRecord>): Promise<void> {
    assert(Number.isInteger(partition) && partition >= 0 && partition < this.#ctx.config.numPartitions, `bad partition ${partition}`);
    if (this.#stopped) return;
    this.#armRetention();
    this.unloadPartition(partition);
    const owned: OwnedPartition = { status: 'loading', groups: new Map() };
    this.#partitions.set(partition, owned);
    const replay = new Map<string, ReplayedGroup>();
    let count = 0;
    let misplaced = 0;
    try {
      for await (const record of records) {
        if (this.#partitions.get(partition) !== owned) return;
        count++;
        // Only possible if numPartitions changed under existing data (Kafka forbids that too):
        // such a group could never be looked up here, so it is skipped loudly, not half-loaded.
        if (this.partitionFor(record.groupId) !== partition) misplaced++;
        else replayRecord(replay, record);
      }
    } catch (error: unknown) {
      // A failed read must not leave the partition "loading" forever: give it up so that the
      // caller can retry (clients get NOT_COORDINATOR meanwhile and look again).
      if (this.#partitions.get(partition) === owned) this.#partitions.delete(partition);
      this.#ctx.logger.error({ partition, records: count, err: error }, 'loading group partition failed');
      throw error;
    }
    if (misplaced > 0) this.#ctx.logger.error({ partition, misplaced }, 'skipped group records that belong to another partition');
    if (this.#partitions.get(partition) !== owned) return;
    owned.groups = materializeGroups(this.#ctx, this.#scheduler, partition, replay);
    owned.status = 'owned';
    if (this.groupCount() > this.#ctx.config.maxGroups) {
      this.#ctx.logger.warn({ partition, groups: this.groupCount() }, 'more groups loaded than maxGroups; new groups refused');
    }
    this.#ctx.logger.info({ partition, records: count, groups: owned.groups.size }, 'loaded group partition');
  }

  /** This node no longer leads `partition`: its groups are dropped and parked requests answered NOT_COORDINATOR. */
  unloadPartition(partition: number): void {
    const owned = this.#partitions.get(partition);
    if (owned === undefined) return;
    this.#partitions.delete(partition);
    for (const group of owned.groups.values()) this.#dropGroup(group);
    this.#ctx.logger.info({ partition, groups: owned.groups.size }, 'unloaded group partition');
  }

  /** Unloads everything and clears every timer; afterwards every request gets COORDINATOR_NOT_AVAILABLE. */
  stop(): void {
    this.#stopped = true;
    this.#timers.clearAll();
    for (const partition of [...this.#partitions.keys()]) this.unloadPartition(partition);
  }

  groupCount(): number {
    let n = 0;
    for (const p of this.#partitions.values()) n += p.groups.size;
    return n;
  }

  /** Counts for metrics: groups by state and members, over the partitions this node serves. */
  stats(): { groups: number; members: number; byState: Record<GroupState, number> } {
    const byState: Record<GroupState, number> = { Empty: 0, PreparingRebalance: 0, CompletingRebalance: 0, Stable: 0, Dead: 0 };
    let groups = 0;
    let members = 0;
    for (const owned of this.#partitions.values()) {
      for (const group of owned.groups.values()) {
        groups++;
        members += group.members.size;
        byState[group.state]++;
      }
    }
    return { groups, members, byState };
  }

  /** Number of armed timers across all groups (for tests and metrics: it must stay bounded). */
  timerCount(): number {
    let n = this.#timers.size;
    for (const p of this.#partitions.values()) for (const g of p.groups.values()) n += g.timers.size;
    return n;
  }

  async joinGroup(req: JoinGroupRequest): Promise<JoinGroupResult> {
    if (req.groupId.length === 0) return joinError(ErrorCode.INVALID_GROUP_ID, req.memberId);
    const ownership = this.coordinatorError(req.groupId);
    if (ownership !== ErrorCode.NONE) return joinError(ownership, req.memberId);
    const { minSessionTimeoutMs, maxSessionTimeoutMs, maxProtocolsPerMember } = this.#ctx.config;
    if (req.sessionTimeoutMs < minSessionTimeoutMs || req.sessionTimeoutMs > maxSessionTimeoutMs) {
      return joinError(ErrorCode.INVALID_SESSION_TIMEOUT, req.memberId);
    }
    if (req.protocols.length > maxProtocolsPerMember || req.rebalanceTimeoutMs < 0) {
      return joinError(ErrorCode.INVALID_REQUEST, req.memberId);
    }
    const existing = this.#group(req.groupId);
    if (existing !== undefined) return joinGroup(this.#ctx, existing, req);
    // Only a member without an id may create a group; a known id in an unknown group is stale.
    if (req.memberId !== '') return joinError(ErrorCode.UNKNOWN_MEMBER_ID, req.memberId);
    const group = this.#createGroup(req.groupId);
    if (group === undefined) return joinError(ErrorCode.COORDINATOR_NOT_AVAILABLE, req.memberId);
    const result = joinGroup(this.#ctx, group, req);
    // A rejected first join must not leave a group behind (nor use up maxGroups).
    this.#forgetIfUnused(group);
    return result;
  }

  async syncGroup(req: SyncGroupRequest): Promise<SyncGroupResult> {
    if (req.groupId.length === 0) return syncError(ErrorCode.INVALID_GROUP_ID);
    const ownership = this.coordinatorError(req.groupId);
    if (ownership !== ErrorCode.NONE) return syncError(ownership);
    return syncGroup(this.#ctx, this.#group(req.groupId), req);
  }

  async heartbeat(req: HeartbeatRequest): Promise<HeartbeatResult> {
    if (req.groupId.length === 0) return { errorCode: ErrorCode.INVALID_GROUP_ID };
    const ownership = this.coordinatorError(req.groupId);
    if (ownership !== ErrorCode.NONE) return { errorCode: ownership };
    return heartbeat(this.#ctx, this.#group(req.groupId), req);
  }

  async leaveGroup(req: LeaveGroupRequest): Promise<LeaveGroupResult> {
    if (req.groupId.length === 0) return { errorCode: ErrorCode.INVALID_GROUP_ID, members: [] };
    const ownership = this.coordinatorError(req.groupId);
    if (ownership !== ErrorCode.NONE) return { errorCode: ownership, members: [] };
    return leaveGroup(this.#ctx, this.#group(req.groupId), req.members);
  }

  async commitOffsets(req: OffsetCommitRequest): Promise<OffsetCommitResult> {
    const ownership = this.coordinatorError(req.groupId);
    if (ownership !== ErrorCode.NONE) return commitError(req, ownership);
    const existing = this.#group(req.groupId);
    if (existing !== undefined) return commitOffsets(this.#ctx, existing, req);
    // A group that only stores offsets (generation -1) is created by its first commit.
    if (req.generationId >= 0) return commitError(req, ErrorCode.ILLEGAL_GENERATION);
    const group = this.#createGroup(req.groupId);
    if (group === undefined) return commitError(req, ErrorCode.COORDINATOR_NOT_AVAILABLE);
    const result = await commitOffsets(this.#ctx, group, req);
    this.#forgetIfUnused(group);
    return result;
  }

  async fetchOffsets(req: OffsetFetchRequest): Promise<OffsetFetchResult> {
    const ownership = this.coordinatorError(req.groupId);
    if (ownership !== ErrorCode.NONE) return { errorCode: ownership, topics: [] };
    return fetchOffsets(this.#group(req.groupId), req.topics);
  }

  async deleteOffsets(req: OffsetDeleteRequest): Promise<OffsetDeleteResult> {
    const ownership = this.coordinatorError(req.groupId);
    if (ownership !== ErrorCode.NONE) return { errorCode: ownership, topics: [] };
    return deleteOffsets(this.#ctx, this.#group(req.groupId), req);
  }

  async describeGroups(groupIds: readonly string[]): Promise<DescribedGroup[]> {
    return groupIds.map((groupId) => {
      const ownership = this.coordinatorError(groupId);
      if (ownership !== ErrorCode.NONE) {
        return { groupId, errorCode: ownership, state: 'Dead', protocolType: '', protocolName: '', members: [] };
      }
      return describeGroup(groupId, this.#group(groupId));
    });
  }

  /** States match case-insensitively (KIP-518); an empty filter lists every group. */
  async listGroups(states: readonly string[] = []): Promise<ListGroupsResult> {
    if (this.#stopped) return { errorCode: ErrorCode.COORDINATOR_NOT_AVAILABLE, groups: [] };
    const wanted = new Set(states.map((s) => s.toLowerCase()));
    const groups = [];
    let loading = false;
    for (const owned of this.#partitions.values()) {
      if (owned.status === 'loading') loading = true;
      for (const group of owned.groups.values()) {
        if (wanted.size === 0 || wanted.has(group.state.toLowerCase())) groups.push(listedGroup(group));
      }
    }
    return { errorCode: loading ? ErrorCode.COORDINATOR_LOAD_IN_PROGRESS : ErrorCode.NONE, groups };
  }

  async deleteGroups(groupIds: readonly string[]): Promise<DeleteGroupResult[]> {
    return Promise.all(
      groupIds.map(async (groupId) => {
        const ownership = this.coordinatorError(groupId);
        if (ownership !== ErrorCode.NONE) return { groupId, errorCode: ownership };
        const group = this.#group(groupId);
        if (group === undefined) return { groupId, errorCode: ErrorCode.GROUP_ID_NOT_FOUND };
        const errorCode = await deleteGroup(this.#ctx, group);
        const owned = this.#partitions.get(group.partition);
        // Unless the partition was unloaded (and maybe reloaded) meanwhile.
        if (errorCode === ErrorCode.NONE && owned?.groups.get(groupId) === group) owned.groups.delete(groupId);
        return { groupId, errorCode };
      }),
    );
  }

  #forgetIfUnused(group: Group): void {
    const unused =
      group.is('Empty') && group.generationId === 0 && group.members.size === 0 && group.pendingMembers.size === 0 && group.offsetCount === 0;
    if (!unused) return;
    const owned = this.#partitions.get(group.partition);
    // Only the group currently registered under its id (not an older, unloaded instance).
    if (owned?.groups.get(group.groupId) !== group) return;
    group.timers.clearAll();
    owned.groups.delete(group.groupId);
  }

  #armRetention(): void {
    if (this.#timers.has('retention')) return;
    this.#timers.set('retention', this.#ctx.config.offsetsRetentionCheckIntervalMs, () => {
      void this.#sweepRetention();
    });
  }

  /** Expires old offsets and deletes groups left empty; one sweep at a time, then re-armed. */
  async #sweepRetention(): Promise<void> {
    if (this.#stopped || this.#sweeping) return;
    this.#sweeping = true;
    try {
      const nowMs = this.#ctx.clock.now();
      for (const owned of [...this.#partitions.values()]) {
        if (owned.status !== 'owned') continue;
        for (const group of [...owned.groups.values()]) {
          const records = expiredRecords(group, nowMs, this.#ctx.config.offsetsRetentionMs);
          if (records.length === 0) continue;
          if (await applyRetention(this.#ctx, group, records)) owned.groups.delete(group.groupId);
        }
      }
    } finally {
      this.#sweeping = false;
      if (!this.#stopped) this.#armRetention();
    }
  }

  #group(groupId: string): Group | undefined {
    return this.#partitions.get(this.partitionFor(groupId))?.groups.get(groupId);
  }

  #createGroup(groupId: string): Group | undefined {
    const partition = this.partitionFor(groupId);
    const owned = this.#partitions.get(partition);
    assert(owned !== undefined && owned.status === 'owned', 'creating a group in a partition we do not serve');
    if (this.groupCount() >= this.#ctx.config.maxGroups) {
      this.#ctx.logger.warn({ groupId, maxGroups: this.#ctx.config.maxGroups }, 'group limit reached');
      return undefined;
    }
    const group = new Group(groupId, partition, this.#scheduler, this.#ctx.clock.now());
    owned.groups.set(groupId, group);
    return group;
  }

  /** Forgets a group on unload: timers cleared, parked requests told to find the new coordinator. */
  #dropGroup(group: Group): void {
    group.timers.clearAll();
    if (!group.is('Dead')) group.transitionTo('Dead', this.#ctx.clock.now());
    for (const member of group.members.values()) {
      answerJoin(member, joinError(ErrorCode.NOT_COORDINATOR, member.memberId));
      answerSync(member, syncError(ErrorCode.NOT_COORDINATOR));
    }
  }
}
