import type { ChronikNode } from '../node/node.js';
import { topicsByName, type CreatableTopic, type TopicImage } from '../state/index.js';
import { ErrorCode, KafkaError } from '../util/errors.js';

export interface CreateTopicOptions {
  /** Default: the cluster's `num.partitions`. */
  readonly partitions?: number;
  /** Default: `default.replication.factor`, i.e. min(3, brokers). */
  readonly replicationFactor?: number;
  /** Topic configs (`'cleanup.policy': 'compact'`, `'retention.ms': '1000'`, ...). */
  readonly configs?: Readonly<Record<string, string | number>>;
  /** Bound on the creation and on its leaders becoming visible. Default 30 s. */
  readonly timeoutMs?: number;
}

export interface CreatedTopic {
  readonly name: string;
  readonly topicId: string;
  /** Leader node of each partition, by partition number. */
  readonly leaders: readonly number[];
}

export const DEFAULT_ADMIN_TIMEOUT_MS = 30_000;

/**
 * Creates a topic the way the CreateTopics API does — decided on the `__meta` leader through
 * `node`'s MetaService — and returns once every live node's image shows a leader for every
 * partition, so a client bootstrapped to any broker can produce at once.
 */
export async function createTopic(via: ChronikNode, live: readonly ChronikNode[], name: string, options: CreateTopicOptions): Promise<CreatedTopic> {
  const timeoutMs = options.timeoutMs ?? DEFAULT_ADMIN_TIMEOUT_MS;
  const topic: CreatableTopic = {
    name,
    numPartitions: options.partitions ?? -1,
    replicationFactor: options.replicationFactor ?? -1,
    configs: Object.fromEntries(Object.entries(options.configs ?? {}).map(([k, v]) => [k, String(v)])),
  };
  const outcome = await via.meta.execute({ type: 'CreateTopics', topics: [topic], validateOnly: false }, timeoutMs);
  const result = outcome.results[0];
  if (result === undefined) throw new KafkaError(ErrorCode.UNKNOWN_SERVER_ERROR, `CreateTopics returned no result for ${name}`);
  if (result.errorCode !== ErrorCode.NONE) throw new KafkaError(result.errorCode, result.errorMessage ?? `cannot create topic ${name}`);
  const images = await Promise.all(live.map((n) => n.meta.state.waiters.waitForLeaders([name], timeoutMs)));
  const created = images[0]?.[0] as TopicImage;
  return { name, topicId: created.topicId, leaders: created.partitions.map((p) => p.leader) };
}

/** Deletes every non-internal topic and waits until every live node has applied it and removed the logs. */
export async function deleteAllTopics(via: ChronikNode, live: readonly ChronikNode[], timeoutMs: number): Promise<string[]> {
  const topics = topicsByName(via.meta.image).filter((t) => !t.internal);
  if (topics.length === 0) return [];
  const outcome = await via.meta.execute({ type: 'DeleteTopics', topics: topics.map((t) => ({ topicId: t.topicId })) }, timeoutMs);
  const failed = outcome.results.find((r) => r.errorCode !== ErrorCode.NONE && r.errorCode !== ErrorCode.UNKNOWN_TOPIC_OR_PARTITION);
  if (failed !== undefined) throw new KafkaError(failed.errorCode, failed.errorMessage ?? `cannot delete topic ${failed.name}`);
  const ids = topics.map((t) => t.topicId);
  await Promise.all(live.map((n) => n.meta.state.waiters.waitForTopicsDeleted(ids, timeoutMs)));
  // Removal of the partitions' Raft groups and logs runs after the image is applied; wait for it so a
  // topic re-created by the next test never races the old one's teardown.
  await Promise.all(live.map((n) => n.partitions.settled()));
  return topics.map((t) => t.name);
}

/**
 * Deletes every consumer group, on the node that coordinates it. A group with live members cannot
 * be deleted (as in Kafka: GROUP_NOT_EMPTY); those are returned so `reset()` can say which
 * consumers were left connected.
 */
export async function deleteAllGroups(live: readonly ChronikNode[]): Promise<{ deleted: string[]; inUse: string[] }> {
  const deleted: string[] = [];
  const inUse: string[] = [];
  for (const node of live) {
    const coordinator = node.groups.coordinator;
    const listed = await coordinator.listGroups();
    const results = await coordinator.deleteGroups(listed.groups.map((g) => g.groupId));
    for (const r of results) {
      if (r.errorCode === ErrorCode.NONE) deleted.push(r.groupId);
      else if (r.errorCode === ErrorCode.NON_EMPTY_GROUP) inUse.push(r.groupId);
    }
  }
  return { deleted, inUse };
}
