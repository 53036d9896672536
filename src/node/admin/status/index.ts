export { collectStatus, type StatusOptions } from './collect.js';
export { renderStatus } from './render.js';
export { KafkaAdminClient } from './kafka-client.js';
export type { ClusterStatus, NodeStatus, MetaStatus, TopicStatus, PartitionStatus, GroupStatusView } from './types.js';
