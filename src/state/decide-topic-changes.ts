import { ErrorCode, type KafkaError } from '../util/errors.js';
import { assignReplicas } from './assignment.js';
import type { CreatePartitions, DecideContext, Decision, DeleteTopics, PartitionsIncrease, TopicRef, TopicResult } from './commands.js';
import { kafkaError, liveBrokers, MAX_PARTITIONS_PER_TOPIC, replicaListProblem } from './decide-common.js';
import type { PartitionAssignment, PartitionsAdded, TopicDeleted } from './events.js';
import { partitionCount, topicById, topicByName, type MetadataImage, type TopicImage } from './image.js';

function refKey(ref: TopicRef): string {
  return 'name' in ref ? `name:${ref.name}` : `id:${ref.topicId}`;
}

function resolve(ref: TopicRef, image: MetadataImage): TopicImage | KafkaError {
  if ('name' in ref) {
    return topicByName(image, ref.name) ?? kafkaError(ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, `unknown topic "${ref.name}"`);
  }
  return topicById(image, ref.topicId) ?? kafkaError(ErrorCode.UNKNOWN_TOPIC_ID, `unknown topic id ${ref.topicId}`);
}

export function decideDeleteTopics(cmd: DeleteTopics, image: MetadataImage): Decision {
  const counts = new Map<string, number>();
  for (const ref of cmd.topics) counts.set(refKey(ref), (counts.get(refKey(ref)) ?? 0) + 1);
  const deleted = new Set<string>();
  const events: TopicDeleted[] = [];
  const results = cmd.topics.map((ref): TopicResult => {
    const name = 'name' in ref ? ref.name : '';
    if ((counts.get(refKey(ref)) ?? 0) > 1) {
      return { name, topicId: null, error: kafkaError(ErrorCode.INVALID_REQUEST, 'topic appears more than once in the request') };
    }
    const topic = resolve(ref, image);
    if (topic instanceof Error) return { name, topicId: 'topicId' in ref ? ref.topicId : null, error: topic };
    if (topic.internal) {
      const error = kafkaError(ErrorCode.INVALID_REQUEST, `cannot delete internal topic "${topic.name}"`);
      return { name: topic.name, topicId: topic.topicId, error };
    }
    // A request may name one topic both by name and by id: delete it once.
    if (!deleted.has(topic.topicId)) events.push({ type: 'TopicDeleted', v: 1, topicId: topic.topicId });
    deleted.add(topic.topicId);
    return { name: topic.name, topicId: topic.topicId, error: null };
  });
  return { events, results };
}

export function decideCreatePartitions(cmd: CreatePartitions, image: MetadataImage, ctx: DecideContext): Decision {
  const counts = new Map<string, number>();
  for (const t of cmd.topics) counts.set(t.name, (counts.get(t.name) ?? 0) + 1);
  let cursor = partitionCount(image);
  const events: PartitionsAdded[] = [];
  const results = cmd.topics.map((t): TopicResult => {
    if ((counts.get(t.name) ?? 0) > 1) {
      return { name: t.name, topicId: null, error: kafkaError(ErrorCode.INVALID_REQUEST, `topic "${t.name}" appears more than once in the request`) };
    }
    const topic = topicByName(image, t.name);
    if (topic === undefined) {
      return { name: t.name, topicId: null, error: kafkaError(ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, `unknown topic "${t.name}"`) };
    }
    const added = newPartitions(t, topic, image, ctx, cursor);
    if (added instanceof Error) return { name: t.name, topicId: topic.topicId, error: added };
    cursor += added.length;
    events.push({ type: 'PartitionsAdded', v: 1, topicId: topic.topicId, partitions: added });
    return { name: t.name, topicId: topic.topicId, error: null };
  });
  return { events: cmd.validateOnly ? [] : events, results };
}

function newPartitions(
  t: PartitionsIncrease,
  topic: TopicImage,
  image: MetadataImage,
  ctx: DecideContext,
  cursor: number,
): PartitionAssignment[] | KafkaError {
  const current = topic.partitions.length;
  if (t.count === current) return kafkaError(ErrorCode.INVALID_PARTITIONS, `topic already has ${current} partitions`);
  if (t.count < current) {
    const message = `topic has ${current} partitions, more than the requested ${t.count}; partitions cannot be removed`;
    return kafkaError(ErrorCode.INVALID_PARTITIONS, message);
  }
  if (!Number.isInteger(t.count) || t.count > MAX_PARTITIONS_PER_TOPIC) {
    return kafkaError(ErrorCode.INVALID_PARTITIONS, `partition count must be an integer ≤ ${MAX_PARTITIONS_PER_TOPIC}, got ${t.count}`);
  }
  const rf = topic.partitions[0]?.replicas.length ?? 1;
  if (t.assignments !== null) return manualNewPartitions(t.assignments, t.count - current, current, rf, image);
  const brokers = liveBrokers(image, ctx);
  if (rf > brokers.length) {
    return kafkaError(ErrorCode.INVALID_REPLICATION_FACTOR, `replication factor ${rf} is larger than the ${brokers.length} live broker(s)`);
  }
  return assignReplicas(brokers, current, t.count - current, rf, cursor);
}

function manualNewPartitions(
  assignments: readonly (readonly number[])[],
  expected: number,
  first: number,
  rf: number,
  image: MetadataImage,
): PartitionAssignment[] | KafkaError {
  if (assignments.length !== expected) {
    return kafkaError(ErrorCode.INVALID_REPLICA_ASSIGNMENT, `expected ${expected} new partition assignments, got ${assignments.length}`);
  }
  for (const replicas of assignments) {
    const problem = replicaListProblem(replicas, image);
    if (problem !== undefined) return kafkaError(ErrorCode.INVALID_REPLICA_ASSIGNMENT, problem);
    if (replicas.length !== rf) return kafkaError(ErrorCode.INVALID_REPLICA_ASSIGNMENT, `each new partition needs ${rf} replicas`);
  }
  return assignments.map((replicas, i) => ({ partition: first + i, replicas: [...replicas] }));
}
