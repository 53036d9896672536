/** The package's public entry point. */
export { ErrorCode, KafkaError } from './util/errors.js';
export {
  startChronik,
  EmbeddedCluster,
  EmbeddedClusterError,
  TEST_DEFAULTS,
  MAX_NODES,
  type StartChronikOptions,
  type StorageMode,
  type ResetOptions,
  type ResetResult,
  type WaitForOptions,
  type ClusterEvent,
  type ClusterEventValue,
  type ClusterPredicate,
  type StoredRecord,
  type CreatedTopic,
  type CreateTopicOptions,
} from './embedded/index.js';
export type { MetadataImage, TopicImage, PartitionImage } from './state/index.js';
export type { LogLevel } from './config/index.js';
export type { RecordHeader } from './kafka/record-batch/index.js';
