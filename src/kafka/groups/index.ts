export { GroupCoordinator } from './coordinator.js';
export type { GroupCoordinatorOptions } from './coordinator.js';
export { DEFAULT_GROUP_COORDINATOR_CONFIG, resolveGroupCoordinatorConfig } from './config.js';
export type { GroupCoordinatorConfig } from './config.js';
export { InMemoryGroupLog } from './log.js';
export type { GroupLog } from './log.js';
export { groupPartitionFor, javaStringHashCode, kafkaAbs } from './partition.js';
export { CorruptGroupRecordError } from './bytes.js';
export {
  decodeGroupRecord,
  encodeGroupRecord,
  groupRecordKey,
  isTombstone,
  GROUP_RECORD_FORMAT_VERSION,
} from './records.js';
export type {
  GroupMetadataRecord,
  GroupRecord,
  GroupTombstoneRecord,
  OffsetCommitRecord,
  OffsetTombstoneRecord,
  PersistedMember,
} from './records.js';
export { systemClock, systemScheduler } from './time.js';
export type { Clock, Scheduler, TimerHandle } from './time.js';
export { subscribedTopics } from './consumer-subscription.js';
export * from './types.js';
