import { assert } from '../util/assert.js';
import { ErrorCode, type KafkaError } from '../util/errors.js';
import { isTopicId } from './topic-id.js';
import { assignReplicas } from './assignment.js';
import type { CreatableTopic, CreateTopics, CreatedTopicResult, DecideContext, Decision } from './commands.js';
import {
  checkConfigs,
  clusterIntConfig,
  kafkaError,
  liveBrokers,
  placementBrokers,
  preferLive,
  MAX_PARTITIONS_PER_TOPIC,
  replicaListProblem,
} from './decide-common.js';
import type { ConfigMap, PartitionAssignment, TopicCreated, TopicId } from './events.js';
import { partitionCount, type MetadataImage } from './image.js';
import { topicCollisionKey, topicNameProblem } from './topic-name.js';

const MAX_TOPIC_ID_ATTEMPTS = 8;
const CANONICAL_OR_ZERO = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

/** What the topics earlier in the same request have claimed, so a batch is checked as a whole. */
interface Batch {
  readonly image: MetadataImage;
  readonly ctx: DecideContext;
  /** Collision keys claimed by earlier topics of this request (existing topics: the image index). */
  readonly collisionKeys: Map<string, string>;
  readonly requested: Map<string, number>;
  readonly usedIds: Set<TopicId>;
  cursor: number;
}

export function decideCreateTopics(
  cmd: CreateTopics,
  image: MetadataImage,
  ctx: DecideContext,
): Decision<CreatedTopicResult> {
  const collisionKeys = new Map<string, string>();
  const requested = new Map<string, number>();
  for (const t of cmd.topics) requested.set(t.name, (requested.get(t.name) ?? 0) + 1);
  const batch: Batch = { image, ctx, collisionKeys, requested, usedIds: new Set(), cursor: partitionCount(image) };
  const events: TopicCreated[] = [];
  const results = cmd.topics.map((t) => {
    const outcome = createOne(t, batch);
    if (outcome instanceof Error) return failed(t.name, outcome);
    events.push(outcome);
    return {
      name: t.name,
      topicId: outcome.topicId,
      error: null,
      numPartitions: outcome.partitions.length,
      replicationFactor: outcome.partitions[0]?.replicas.length ?? 0,
      configs: outcome.configs,
    };
  });
  return { events: cmd.validateOnly ? [] : events, results };
}

function failed(name: string, error: KafkaError): CreatedTopicResult {
  return { name, topicId: null, error, numPartitions: -1, replicationFactor: -1, configs: {} };
}

function createOne(t: CreatableTopic, batch: Batch): TopicCreated | KafkaError {
  const nameError = checkName(t.name, batch);
  if (nameError !== undefined) return nameError;
  const partitions = choosePartitions(t, batch);
  if (partitions instanceof Error) return partitions;
  const configError = checkConfigs(t.configs ?? {});
  if (configError !== undefined) return configError;
  const topicId = newTopicId(batch);
  if (topicId instanceof Error) return topicId;
  batch.collisionKeys.set(topicCollisionKey(t.name), t.name);
  batch.usedIds.add(topicId);
  batch.cursor += partitions.length;
  return {
    type: 'TopicCreated',
    v: 1,
    topicId,
    name: t.name,
    internal: t.internal ?? false,
    partitions,
    configs: Object.fromEntries(Object.entries(t.configs ?? {}).filter((e): e is [string, string] => e[1] !== null)) as ConfigMap,
  };
}

function checkName(name: string, batch: Batch): KafkaError | undefined {
  const problem = topicNameProblem(name);
  if (problem !== undefined) return kafkaError(ErrorCode.INVALID_TOPIC_EXCEPTION, problem);
  if ((batch.requested.get(name) ?? 0) > 1) {
    return kafkaError(ErrorCode.INVALID_REQUEST, `topic "${name}" appears more than once in the request`);
  }
  if (batch.image.topicIdsByName.has(name)) return kafkaError(ErrorCode.TOPIC_ALREADY_EXISTS, `topic "${name}" already exists`);
  const key = topicCollisionKey(name);
  const other = batch.image.topicNamesByCollisionKey.get(key)?.[0] ?? batch.collisionKeys.get(key);
  if (other !== undefined) {
    return kafkaError(ErrorCode.INVALID_TOPIC_EXCEPTION, `topic "${name}" collides with existing topic "${other}" ('.' and '_' are equivalent)`);
  }
  return undefined;
}

function choosePartitions(t: CreatableTopic, batch: Batch): PartitionAssignment[] | KafkaError {
  const manual = t.assignments ?? [];
  if (manual.length > 0) return manualAssignment(t, manual, batch.image);
  const numPartitions = t.numPartitions === -1 ? clusterIntConfig(batch.image, 'num.partitions', 1) : t.numPartitions;
  if (!Number.isInteger(numPartitions) || numPartitions < 1 || numPartitions > MAX_PARTITIONS_PER_TOPIC) {
    return kafkaError(ErrorCode.INVALID_PARTITIONS, `number of partitions must be in [1, ${MAX_PARTITIONS_PER_TOPIC}], got ${numPartitions}`);
  }
  const live = liveBrokers(batch.image, batch.ctx);
  const rf = t.replicationFactor === -1
    ? clusterIntConfig(batch.image, 'default.replication.factor', Math.min(3, live.length))
    : t.replicationFactor;
  if (!Number.isInteger(rf) || rf < 1) {
    return kafkaError(ErrorCode.INVALID_REPLICATION_FACTOR, `replication factor must be an integer ≥ 1, got ${rf}`);
  }
  const brokers = placementBrokers(batch.image, batch.ctx, rf);
  if (rf > brokers.length) {
    return kafkaError(ErrorCode.INVALID_REPLICATION_FACTOR, `replication factor ${rf} is larger than the ${brokers.length} registered broker(s)`);
  }
  return preferLive(assignReplicas(brokers, 0, numPartitions, rf, batch.cursor), batch.ctx);
}

function manualAssignment(
  t: CreatableTopic,
  manual: readonly PartitionAssignment[],
  image: MetadataImage,
): PartitionAssignment[] | KafkaError {
  if (t.numPartitions !== -1 || t.replicationFactor !== -1) {
    return kafkaError(ErrorCode.INVALID_REQUEST, 'numPartitions and replicationFactor must be -1 with a manual assignment');
  }
  if (manual.length > MAX_PARTITIONS_PER_TOPIC) {
    return kafkaError(ErrorCode.INVALID_PARTITIONS, `more than ${MAX_PARTITIONS_PER_TOPIC} partitions`);
  }
  const sorted = [...manual].sort((a, b) => a.partition - b.partition);
  const rf = sorted[0]?.replicas.length ?? 0;
  for (const [i, a] of sorted.entries()) {
    if (a.partition !== i) return kafkaError(ErrorCode.INVALID_REPLICA_ASSIGNMENT, 'partitions must be numbered 0..n-1 without gaps or repeats');
    const problem = replicaListProblem(a.replicas, image);
    if (problem !== undefined) return kafkaError(ErrorCode.INVALID_REPLICA_ASSIGNMENT, `partition ${i}: ${problem}`);
    if (a.replicas.length !== rf) return kafkaError(ErrorCode.INVALID_REPLICA_ASSIGNMENT, 'all partitions must have the same number of replicas');
  }
  return sorted.map((a) => ({ partition: a.partition, replicas: [...a.replicas] }));
}

/** The injected generator is random; a repeat (or the reserved zero id) is simply drawn again. */
function newTopicId(batch: Batch): TopicId | KafkaError {
  for (let i = 0; i < MAX_TOPIC_ID_ATTEMPTS; i++) {
    const id = batch.ctx.newTopicId();
    assert(CANONICAL_OR_ZERO.test(id), `newTopicId returned ${id}, not a canonical UUID`);
    if (isTopicId(id) && !batch.image.topicsById.has(id) && !batch.usedIds.has(id)) return id;
  }
  return kafkaError(ErrorCode.UNKNOWN_SERVER_ERROR, 'could not draw an unused topic id');
}
