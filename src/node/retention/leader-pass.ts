import type { BrokerConfig } from '../../config/index.js';
import type { RaftHost } from '../../raft/driver/index.js';
import type { MetadataImage } from '../../state/index.js';
import type { PartitionReplica } from '../partition/replica.js';
import { retentionLimits } from './limits.js';
import { deletionBoundary } from './policy.js';
import { closedSegments } from './segments.js';
import { trimPrefix } from './trim.js';

/** Segments examined per partition per pass: bounds the reads of one pass. */
export const MAX_SEGMENTS_PER_PARTITION = 256;

export interface LeaderPassInput {
  readonly replica: PartitionReplica;
  readonly image: MetadataImage;
  readonly config: BrokerConfig;
  readonly raft: RaftHost;
  readonly nowMs: number;
  /** Whether a peer is connected now: a follower that is down does not hold retention back. */
  readonly isPeerUp: (nodeId: number) => boolean;
}

export interface LeaderPassResult {
  /** The log's first index after the pass. */
  readonly firstIndex: number;
  readonly deleted: boolean;
  /** The partition's other replicas, to be told the new boundary. */
  readonly followers: readonly number[];
}

/**
 * Retention of one partition this node leads. The leader alone decides the boundary, a whole
 * segment's end, and never past an entry a connected replica has not yet stored: a follower that
 * is merely behind catches up from the log and can then delete the same prefix when told
 * (trim.ts). A follower that is down does not hold the leader's disk hostage (Kafka's retention
 * does not wait for out-of-sync replicas either): when it returns below the new first index, the
 * Raft driver sends it a snapshot carrying the log start offset and it resumes from there.
 */
export async function leaderPass(input: LeaderPassInput): Promise<LeaderPassResult | undefined> {
  const { replica, image, raft } = input;
  const topic = image.topicsById.get(replica.opts.topicId);
  const replicas = topic?.partitions[replica.opts.partition]?.replicas;
  if (topic === undefined || replicas === undefined || replica.serving === undefined) return undefined;
  const followers = replicas.filter((r) => r !== replica.opts.nodeId);
  const limits = retentionLimits(image, topic, input.config);
  if (limits === undefined) return { firstIndex: replica.wal.firstIndex, deleted: false, followers };
  const status = raft.status(replica.opts.groupId);
  // A follower the leader has not heard from yet counts as having nothing.
  const connected = followers.filter((f) => input.isPeerUp(f));
  const matched = Math.min(status.applied, replica.appliedEntryIndex, ...connected.map((f) => status.match.get(f) ?? 0));
  const cutoffMs = limits.retentionMs < 0 ? -Infinity : input.nowMs - limits.retentionMs;
  const segments = await closedSegments(replica.wal, matched + 1, MAX_SEGMENTS_PER_PARTITION, cutoffMs);
  const boundary = deletionBoundary(segments, replica.wal.sizeBytes, limits, input.nowMs);
  const before = replica.wal.firstIndex;
  const firstIndex = boundary === undefined ? before : await trimPrefix(replica, boundary);
  return { firstIndex, deleted: firstIndex > before, followers };
}
