import { assert, unreachable } from '../util/assert.js';
import type {
  BrokerConfigChanged,
  BrokerRegistered,
  ConfigMap,
  IsrChanged,
  LeaderElected,
  LeaderTransferred,
  MetaEvent,
  PartitionAssignment,
  PartitionsAdded,
  ProducerIdBlockAllocated,
  TopicConfigChanged,
  TopicCreated,
} from './events.js';
import { NO_LEADER, type MetadataImage, type PartitionImage, type TopicImage } from './image.js';
import { addTopic, removeTopic } from './topic-index.js';

/**
 * evolve(image, event) → image: pure, total and deterministic. Every node applies the same
 * committed events, so `evolve` must never throw on an event that is merely late or redundant:
 * an event that no longer applies (its topic was deleted, its epoch is stale, it names a partition
 * that does not exist) leaves the image unchanged. That makes replay idempotent and order-safe
 * for the events that can race (elections and ISR changes against topic deletion).
 */
export function evolve(image: MetadataImage, event: MetaEvent): MetadataImage {
  switch (event.type) {
    case 'ClusterInitialized':
      return image.clusterId === null ? withPatch(image, { clusterId: event.clusterId }) : image;
    case 'BrokerUnregistered':
      return brokerUnregistered(image, event.brokerId);
    case 'BrokerRegistered':
      return brokerRegistered(image, event);
    case 'TopicCreated':
      return topicCreated(image, event);
    case 'PartitionsAdded':
      return partitionsAdded(image, event);
    case 'TopicDeleted':
      return topicDeleted(image, event.topicId);
    case 'TopicConfigChanged':
      return topicConfigChanged(image, event);
    case 'BrokerConfigChanged':
      return brokerConfigChanged(image, event);
    case 'LeaderElected':
      return leaderElected(image, event);
    case 'LeaderTransferred':
      return leaderTransferred(image, event);
    case 'IsrChanged':
      return isrChanged(image, event);
    case 'ProducerIdBlockAllocated':
      return producerIdBlockAllocated(image, event);
    default:
      return unreachable(event, 'unknown meta event');
  }
}

/** Applies a committed event and records the `__meta` position it came from. */
export function applyCommitted(image: MetadataImage, event: MetaEvent, index: number, term: number): MetadataImage {
  assert(index > image.appliedIndex, `meta index ${index} applied after ${image.appliedIndex}`);
  assert(term >= image.appliedTerm, `meta term ${term} applied after ${image.appliedTerm}`);
  return Object.freeze({ ...evolve(image, event), appliedIndex: index, appliedTerm: term });
}

function withPatch(image: MetadataImage, patch: Partial<MetadataImage>): MetadataImage {
  return Object.freeze({ ...image, ...patch });
}

function brokerRegistered(image: MetadataImage, e: BrokerRegistered): MetadataImage {
  const info = Object.freeze({
    brokerId: e.brokerId,
    kafkaHost: e.kafkaHost,
    kafkaPort: e.kafkaPort,
    raftHost: e.raftHost,
    raftPort: e.raftPort,
    rack: e.rack,
    incarnation: e.incarnation,
  });
  return withPatch(image, { brokers: image.brokers.set(e.brokerId, info) });
}

function brokerUnregistered(image: MetadataImage, brokerId: number): MetadataImage {
  if (!image.brokers.has(brokerId) && !image.brokerConfigs.has(brokerId)) return image;
  return withPatch(image, { brokers: image.brokers.delete(brokerId), brokerConfigs: image.brokerConfigs.delete(brokerId) });
}

function newPartition(a: PartitionAssignment): PartitionImage {
  // A new partition starts with every replica in sync (all are empty) and no leader until its
  // Raft group elects one and the election is committed here as LeaderElected.
  return Object.freeze({
    partition: a.partition,
    replicas: Object.freeze([...a.replicas]),
    isr: Object.freeze([...a.replicas]),
    leader: NO_LEADER,
    leaderEpoch: NO_LEADER,
    isrEpoch: NO_LEADER,
    transferredFrom: NO_LEADER,
  });
}

/**
 * Partitions must number on from `first` without gaps, each with at least one replica and no
 * duplicates; anything else is not applicable (decide never emits it, so it can only be a bug).
 */
function wellFormedFrom(first: number, partitions: readonly PartitionAssignment[]): boolean {
  return partitions.every(
    (p, i) => p.partition === first + i && p.replicas.length > 0 && new Set(p.replicas).size === p.replicas.length,
  );
}

function topicCreated(image: MetadataImage, e: TopicCreated): MetadataImage {
  if (image.topicsById.has(e.topicId) || image.topicIdsByName.has(e.name)) return image;
  if (e.partitions.length === 0 || !wellFormedFrom(0, e.partitions)) return image;
  const topic: TopicImage = Object.freeze({
    topicId: e.topicId,
    name: e.name,
    internal: e.internal,
    configs: Object.freeze({ ...e.configs }),
    partitions: Object.freeze(e.partitions.map(newPartition)),
  });
  return withPatch(image, addTopic(image, topic));
}

function replaceTopic(image: MetadataImage, topic: TopicImage): MetadataImage {
  return withPatch(image, { topicsById: image.topicsById.set(topic.topicId, Object.freeze(topic)) });
}

function partitionsAdded(image: MetadataImage, e: PartitionsAdded): MetadataImage {
  const topic = image.topicsById.get(e.topicId);
  if (topic === undefined || e.partitions.length === 0 || !wellFormedFrom(topic.partitions.length, e.partitions)) return image;
  const partitions = Object.freeze([...topic.partitions, ...e.partitions.map(newPartition)]);
  const next = replaceTopic(image, { ...topic, partitions });
  return withPatch(next, { partitionTotal: image.partitionTotal + e.partitions.length });
}

function topicDeleted(image: MetadataImage, topicId: string): MetadataImage {
  const topic = image.topicsById.get(topicId);
  if (topic === undefined) return image;
  return withPatch(image, removeTopic(image, topic));
}

/** Deletions apply before sets, so a key in both ends up set. */
function patchConfig(configs: ConfigMap, set: ConfigMap, deleted: readonly string[]): ConfigMap {
  const next: Record<string, string> = Object.fromEntries(Object.entries(configs).filter(([k]) => !deleted.includes(k)));
  return Object.freeze(Object.fromEntries([...Object.entries(next), ...Object.entries(set)]));
}

function topicConfigChanged(image: MetadataImage, e: TopicConfigChanged): MetadataImage {
  const topic = image.topicsById.get(e.topicId);
  if (topic === undefined) return image;
  return replaceTopic(image, { ...topic, configs: patchConfig(topic.configs, e.set, e.deleted) });
}

function brokerConfigChanged(image: MetadataImage, e: BrokerConfigChanged): MetadataImage {
  if (e.brokerId === null) return withPatch(image, { clusterConfig: patchConfig(image.clusterConfig, e.set, e.deleted) });
  const configs = patchConfig(image.brokerConfigs.get(e.brokerId) ?? {}, e.set, e.deleted);
  const brokerConfigs =
    Object.keys(configs).length === 0 ? image.brokerConfigs.delete(e.brokerId) : image.brokerConfigs.set(e.brokerId, configs);
  return withPatch(image, { brokerConfigs });
}

function replacePartition(image: MetadataImage, topic: TopicImage, p: PartitionImage): MetadataImage {
  const partitions = Object.freeze(topic.partitions.map((old) => (old.partition === p.partition ? Object.freeze(p) : old)));
  return replaceTopic(image, { ...topic, partitions });
}

function leaderElected(image: MetadataImage, e: LeaderElected): MetadataImage {
  const topic = image.topicsById.get(e.topicId);
  const p = topic?.partitions[e.partition];
  if (topic === undefined || p === undefined) return image;
  // A provisional leader (named by a transfer) is settled by whoever actually won its epoch.
  const settles = e.leaderEpoch === p.leaderEpoch && p.transferredFrom !== NO_LEADER;
  if (e.leaderEpoch < p.leaderEpoch || (e.leaderEpoch === p.leaderEpoch && !settles)) return image;
  // Only a replica can lead its partition's Raft group; anything else is not applicable.
  if (e.leaderId !== NO_LEADER && !p.replicas.includes(e.leaderId)) return image;
  return replacePartition(image, topic, { ...p, leader: e.leaderId, leaderEpoch: e.leaderEpoch, transferredFrom: NO_LEADER });
}

/**
 * Names the transfer's target at the epoch it will campaign in, provisionally. Only the leader the
 * image names, at the epoch it names, can hand over (or, after a failed attempt, re-aim its own
 * pending transfer at another follower); a transfer that no longer matches the image is stale.
 */
function leaderTransferred(image: MetadataImage, e: LeaderTransferred): MetadataImage {
  const topic = image.topicsById.get(e.topicId);
  const p = topic?.partitions[e.partition];
  if (topic === undefined || p === undefined || e.fromLeaderId === e.toLeaderId || !p.replicas.includes(e.toLeaderId)) return image;
  const fromCurrent = p.transferredFrom === NO_LEADER && p.leader === e.fromLeaderId && p.leaderEpoch === e.fromEpoch;
  const reAimed = p.transferredFrom === e.fromLeaderId && p.leaderEpoch === e.fromEpoch + 1;
  if (!fromCurrent && !reAimed) return image;
  return replacePartition(image, topic, { ...p, leader: e.toLeaderId, leaderEpoch: e.fromEpoch + 1, transferredFrom: e.fromLeaderId });
}

function isrChanged(image: MetadataImage, e: IsrChanged): MetadataImage {
  const topic = image.topicsById.get(e.topicId);
  const p = topic?.partitions[e.partition];
  // ISR changes within one epoch are normal (shrink, then expand), so only older epochs are stale.
  if (topic === undefined || p === undefined || e.leaderEpoch < p.leaderEpoch || e.leaderEpoch < p.isrEpoch) return image;
  const isr = Object.freeze(p.replicas.filter((b) => e.isr.includes(b)));
  return replacePartition(image, topic, { ...p, isr, isrEpoch: e.leaderEpoch });
}

function producerIdBlockAllocated(image: MetadataImage, e: ProducerIdBlockAllocated): MetadataImage {
  // Blocks are handed out in order; a block below the high-water mark is a replayed duplicate.
  if (e.size <= 0 || e.firstProducerId < image.nextProducerId) return image;
  return withPatch(image, { nextProducerId: e.firstProducerId + e.size });
}
