import { assert } from '../../util/assert.js';

/** Broker settings of the group coordinator; the names mirror Kafka's `group.*` / `offset.*` configs. */
export interface GroupCoordinatorConfig {
  /** Number of __consumer_offsets partitions (`offsets.topic.num.partitions`). */
  readonly numPartitions: number;
  /** `group.min.session.timeout.ms` */
  readonly minSessionTimeoutMs: number;
  /** `group.max.session.timeout.ms` */
  readonly maxSessionTimeoutMs: number;
  /** `group.initial.rebalance.delay.ms`: lets more members join an empty group before its first rebalance. */
  readonly initialRebalanceDelayMs: number;
  /** `group.max.size` */
  readonly maxGroupSize: number;
  /** Upper bound of groups held by this coordinator (all partitions it owns). */
  readonly maxGroups: number;
  /** How long a new member may wait in its first join before it is expired (Kafka: 5 minutes). */
  readonly newMemberJoinTimeoutMs: number;
  /** `offset.metadata.max.bytes` */
  readonly maxOffsetMetadataBytes: number;
  /** Upper bound of committed partitions held per group. */
  readonly maxOffsetsPerGroup: number;
  /** Upper bound of protocols a member may offer in one JoinGroup. */
  readonly maxProtocolsPerMember: number;
  /** `offsets.retention.minutes` in ms (Kafka default: 7 days). */
  readonly offsetsRetentionMs: number;
  /** `offsets.retention.check.interval.ms`: how often expired offsets and empty groups are cleaned up. */
  readonly offsetsRetentionCheckIntervalMs: number;
}

export const DEFAULT_GROUP_COORDINATOR_CONFIG: GroupCoordinatorConfig = {
  numPartitions: 50,
  minSessionTimeoutMs: 6_000,
  maxSessionTimeoutMs: 1_800_000,
  initialRebalanceDelayMs: 3_000,
  maxGroupSize: 10_000,
  maxGroups: 100_000,
  newMemberJoinTimeoutMs: 300_000,
  maxOffsetMetadataBytes: 4_096,
  maxOffsetsPerGroup: 100_000,
  maxProtocolsPerMember: 64,
  offsetsRetentionMs: 7 * 24 * 3_600_000,
  offsetsRetentionCheckIntervalMs: 600_000,
};

export function resolveGroupCoordinatorConfig(overrides: Partial<GroupCoordinatorConfig> = {}): GroupCoordinatorConfig {
  const config = { ...DEFAULT_GROUP_COORDINATOR_CONFIG, ...overrides };
  for (const [name, value] of Object.entries(config)) {
    assert(Number.isInteger(value) && value >= 0, `group coordinator config ${name} must be a non-negative integer`);
  }
  assert(config.numPartitions > 0, 'numPartitions must be positive');
  assert(config.minSessionTimeoutMs <= config.maxSessionTimeoutMs, 'min session timeout above max');
  assert(config.maxGroupSize > 0 && config.maxGroups > 0, 'group bounds must be positive');
  assert(config.offsetsRetentionCheckIntervalMs > 0, 'offsetsRetentionCheckIntervalMs must be positive');
  return config;
}
