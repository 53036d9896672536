import { ErrorCode } from '../../util/errors.js';
import { subscribedTopics } from './consumer-subscription.js';
import type { CoordinatorContext } from './context.js';
import type { Group } from './group.js';
import { memberMetadata } from './member.js';
import { scheduleHeartbeat } from './rebalance.js';
import type { GroupRecord, OffsetCommitRecord } from './records.js';
import { appendErrorCode } from './results.js';
import type {
  FetchedTopic,
  OffsetCommitRequest,
  OffsetCommitResult,
  OffsetDeleteRequest,
  OffsetDeleteResult,
  OffsetFetchResult,
  TopicPartitionErrors,
  TopicPartitions,
} from './types.js';

/** Every partition of a commit answered with one error code. */
export function commitError(req: OffsetCommitRequest, errorCode: number): OffsetCommitResult {
  return {
    topics: req.topics.map((t) => ({ topic: t.topic, partitions: t.partitions.map((p) => ({ partition: p.partition, errorCode })) })),
  };
}

/** Kafka's doCommitOffsets checks: who may commit in which state. */
function validateCommit(ctx: CoordinatorContext, group: Group, req: OffsetCommitRequest): number {
  if (group.is('Dead')) return ErrorCode.COORDINATOR_NOT_AVAILABLE;
  if (group.isStaticMemberFenced(req.memberId, req.groupInstanceId)) return ErrorCode.FENCED_INSTANCE_ID;
  // Outside group management (simple consumers, admin tools) only an empty group takes commits.
  if (req.generationId < 0 && group.is('Empty')) return ErrorCode.NONE;
  const member = group.members.get(req.memberId);
  if (member === undefined) return ErrorCode.UNKNOWN_MEMBER_ID;
  if (req.generationId !== group.generationId) return ErrorCode.ILLEGAL_GENERATION;
  // The member has the new generation but not its assignment yet; it will commit again after sync.
  if (group.is('CompletingRebalance')) return ErrorCode.REBALANCE_IN_PROGRESS;
  scheduleHeartbeat(ctx, group, member);
  return ErrorCode.NONE;
}

/** Commits offsets; answers only after the group log committed them. */
export async function commitOffsets(ctx: CoordinatorContext, group: Group, req: OffsetCommitRequest): Promise<OffsetCommitResult> {
  const groupError = validateCommit(ctx, group, req);
  if (groupError !== ErrorCode.NONE) return commitError(req, groupError);
  const { records, errors } = commitRecords(ctx, group, req);
  const appendError = await appendRecords(ctx, group, records, 'offsets');
  if (appendError === ErrorCode.NONE) {
    // Appends commit in call order, so applying on completion keeps the last commit the winner.
    for (const r of records) group.setOffset(r.topic, r.partition, r);
  }
  return {
    topics: req.topics.map((t) => ({
      topic: t.topic,
      partitions: t.partitions.map((p) => ({ partition: p.partition, errorCode: errors.get(partitionKey(t.topic, p.partition)) ?? appendError })),
    })),
  };
}

function partitionKey(topic: string, partition: number): string {
  return `${topic}\u0000${partition}`;
}

/** The records of a commit, and the partitions refused up front (metadata too large, group full). */
function commitRecords(
  ctx: CoordinatorContext,
  group: Group,
  req: OffsetCommitRequest,
): { records: OffsetCommitRecord[]; errors: Map<string, number> } {
  const commitTimestampMs = ctx.clock.now();
  const records: OffsetCommitRecord[] = [];
  const errors = new Map<string, number>();
  let newPartitions = 0;
  for (const t of req.topics) {
    for (const p of t.partitions) {
      const metadata = p.metadata ?? '';
      if (Buffer.byteLength(metadata, 'utf8') > ctx.config.maxOffsetMetadataBytes) {
        errors.set(partitionKey(t.topic, p.partition), ErrorCode.OFFSET_METADATA_TOO_LARGE);
        continue;
      }
      if (group.offset(t.topic, p.partition) === undefined) newPartitions++;
      if (group.offsetCount + newPartitions > ctx.config.maxOffsetsPerGroup) {
        errors.set(partitionKey(t.topic, p.partition), ErrorCode.INVALID_COMMIT_OFFSET_SIZE);
        continue;
      }
      const { partition, offset, leaderEpoch } = p;
      records.push({ kind: 'offset', groupId: group.groupId, topic: t.topic, partition, offset, leaderEpoch, metadata, commitTimestampMs });
    }
  }
  return { records, errors };
}

async function appendRecords(ctx: CoordinatorContext, group: Group, records: readonly GroupRecord[], kind: 'offsets' | 'group'): Promise<number> {
  if (records.length === 0) return ErrorCode.NONE;
  try {
    await ctx.log.append(group.partition, records);
    return ErrorCode.NONE;
  } catch (error: unknown) {
    ctx.logger.warn({ groupId: group.groupId, records: records.length, err: error }, 'group log append failed');
    return appendErrorCode(error, kind);
  }
}

export function fetchOffsets(group: Group | undefined, topics: readonly TopicPartitions[] | null): OffsetFetchResult {
  if (topics === null) return { errorCode: ErrorCode.NONE, topics: group === undefined ? [] : allOffsets(group) };
  return {
    errorCode: ErrorCode.NONE,
    topics: topics.map((t) => ({
      topic: t.topic,
      partitions: t.partitions.map((partition) => {
        const entry = group?.offset(t.topic, partition);
        return {
          partition,
          offset: entry?.offset ?? -1,
          leaderEpoch: entry?.leaderEpoch ?? -1,
          metadata: entry?.metadata ?? '',
          errorCode: ErrorCode.NONE,
        };
      }),
    })),
  };
}

function allOffsets(group: Group): FetchedTopic[] {
  return [...group.offsets].map(([topic, byPartition]) => ({
    topic,
    partitions: [...byPartition].map(([partition, e]) => ({
      partition,
      offset: e.offset,
      leaderEpoch: e.leaderEpoch,
      metadata: e.metadata,
      errorCode: ErrorCode.NONE,
    })),
  }));
}

/** Topics the group's members consume, or null when that cannot be known (treated as "all"). */
function consumedTopics(group: Group): Set<string> | null {
  if (group.protocolType !== 'consumer' || group.protocolName === null) return null;
  const topics = new Set<string>();
  for (const member of group.members.values()) {
    const metadata = memberMetadata(member, group.protocolName);
    const parsed = metadata === undefined ? null : subscribedTopics(metadata);
    if (parsed === null) return null;
    for (const t of parsed) topics.add(t);
  }
  return topics;
}

/** OffsetDelete (KIP-496): an empty group loses any offsets; a live consumer group only those of topics it does not consume. */
export async function deleteOffsets(ctx: CoordinatorContext, group: Group | undefined, req: OffsetDeleteRequest): Promise<OffsetDeleteResult> {
  if (group === undefined || group.is('Dead')) return { errorCode: ErrorCode.GROUP_ID_NOT_FOUND, topics: [] };
  let consumed: Set<string> | null = new Set();
  if (!group.is('Empty')) {
    if (group.protocolType !== 'consumer') return { errorCode: ErrorCode.NON_EMPTY_GROUP, topics: [] };
    consumed = consumedTopics(group);
  }
  const isConsumed = (topic: string): boolean => consumed === null || consumed.has(topic);
  const records: GroupRecord[] = [];
  for (const t of req.topics) {
    if (isConsumed(t.topic)) continue;
    for (const partition of t.partitions) records.push({ kind: 'offset-tombstone', groupId: group.groupId, topic: t.topic, partition });
  }
  const appendError = await appendRecords(ctx, group, records, 'offsets');
  if (appendError === ErrorCode.NONE) {
    for (const r of records) if (r.kind === 'offset-tombstone') group.deleteOffset(r.topic, r.partition);
  }
  const topics: TopicPartitionErrors[] = req.topics.map((t) => ({
    topic: t.topic,
    partitions: t.partitions.map((partition) => ({
      partition,
      errorCode: isConsumed(t.topic) ? ErrorCode.GROUP_SUBSCRIBED_TO_TOPIC : appendError,
    })),
  }));
  return { errorCode: ErrorCode.NONE, topics };
}
