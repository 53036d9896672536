/** The event-sourced cluster metadata: events, decide, evolve, the image, snapshots and waiters. */
export * from './events.js';
export * from './commands.js';
export * from './errors.js';
export { encodeEvent, decodeEvent, eventFromJson, EVENT_FORMAT_JSON, MAX_EVENT_BYTES } from './event-codec.js';
export {
  emptyImage,
  topicById,
  topicByName,
  partitionState,
  brokerIds,
  partitionCount,
  topicsByName,
  NO_LEADER,
  type BrokerInfo,
  type PartitionImage,
  type TopicImage,
  type MetadataImage,
  type PartitionState,
} from './image.js';
export { evolve, applyCommitted } from './evolve.js';
export { encodeImage, decodeImage, digest, IMAGE_FORMAT_JSON, IMAGE_VERSION } from './image-codec.js';
export { decide } from './decide.js';
export { decideCreateTopics } from './decide-create-topics.js';
export { decideDeleteTopics, decideCreatePartitions } from './decide-topic-changes.js';
export { decideAlterTopicConfigs } from './decide-configs.js';
export {
  decideRegisterBroker,
  decideUnregisterBroker,
  decideInitializeCluster,
  decideAllocateProducerIds,
  DEFAULT_PRODUCER_ID_BLOCK_SIZE,
} from './decide-brokers.js';
export { MAX_PARTITIONS_PER_TOPIC } from './decide-common.js';
export { assignReplicas, placementOrder, isRackAware, type PlacementBroker } from './assignment.js';
export {
  topicConfigDefaults,
  describeTopicConfigs,
  topicConfigValue,
  topicConfigProblem,
  ConfigSource,
  type TopicConfigDef,
  type ConfigEntry,
  type ConfigSynonym,
  type ConfigType,
} from './topic-configs.js';
export { topicNameProblem, topicCollisionKey, MAX_TOPIC_NAME_LENGTH } from './topic-name.js';
export { MetaWaiters, topicsWithLeaders, DEFAULT_MAX_WAITERS, type WaitOptions, type ImagePredicate, type MetaWaitersOptions } from './waiters.js';
export { PMap } from './pmap.js';
export { imageInvariantViolations } from './invariants.js';
export { MetaStateMachine, applyMetaEntry, advanceApplied, type MetaEntry, type MetaSnapshot, type MetaStateMachineOptions } from './state-machine.js';
export { randomTopicId, isTopicId, topicIdToBytes, topicIdFromBytes, ZERO_TOPIC_ID } from './topic-id.js';
export { decideAlterBrokerConfigs } from './decide-broker-configs.js';
export { brokerConfigChecks, brokerConfigProblem } from './broker-configs.js';
