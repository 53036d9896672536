import type { BrokerRegistered, ConfigMap, TopicId } from './events.js';
import { PMap } from './pmap.js';

/**
 * The cluster metadata image: everything derived from the committed `__meta` events up to
 * `appliedIndex`. Immutable: every object in it is frozen and `evolve` returns a new image that
 * shares all unchanged parts with the old one, so readers can hold an image as long as they like.
 */

export type BrokerInfo = Omit<BrokerRegistered, 'type' | 'v'>;

/** -1 in `leader`/`leaderEpoch`: no leader elected yet (or the leader was lost). */
export const NO_LEADER = -1;

export interface PartitionImage {
  readonly partition: number;
  readonly replicas: readonly number[];
  readonly isr: readonly number[];
  readonly leader: number;
  readonly leaderEpoch: number;
  /** The leader epoch in which `isr` was last set; an older IsrChanged is stale. */
  readonly isrEpoch: number;
  /**
   * -1 normally. Otherwise `leader` was named provisionally by a LeaderTransferred from this broker
   * and has not confirmed with its own LeaderElected yet (a LeaderElected at `leaderEpoch` settles it).
   */
  readonly transferredFrom: number;
}

export interface TopicImage {
  readonly topicId: TopicId;
  readonly name: string;
  readonly internal: boolean;
  /** Explicitly set configs only; defaults live in the topic config table. */
  readonly configs: ConfigMap;
  /** Indexed by partition number: partitions[p].partition === p. */
  readonly partitions: readonly PartitionImage[];
}

export interface MetadataImage {
  /** The `__meta` Raft index and term of the last event applied (0, 0: nothing yet). */
  readonly appliedIndex: number;
  readonly appliedTerm: number;
  /** Set by the first ClusterInitialized event; null before it is committed. */
  readonly clusterId: string | null;
  readonly brokers: PMap<number, BrokerInfo>;
  readonly topicsById: PMap<TopicId, TopicImage>;
  readonly topicIdsByName: PMap<string, TopicId>;
  /** Cluster-wide dynamic broker configs (BrokerConfigChanged with brokerId null). */
  readonly clusterConfig: ConfigMap;
  readonly brokerConfigs: PMap<number, ConfigMap>;
  /** The first producer id not yet handed out in any block. */
  readonly nextProducerId: number;
  // Derived indexes, kept in step by evolve (and rebuilt on snapshot decode), not encoded:
  /** Total partitions over all topics: the placement cursor for new partitions. */
  readonly partitionTotal: number;
  /** Topic names by their '.'→'_' collision key, for Kafka's collision check in O(1). */
  readonly topicNamesByCollisionKey: PMap<string, readonly string[]>;
}

export function emptyImage(): MetadataImage {
  return Object.freeze({
    appliedIndex: 0,
    appliedTerm: 0,
    clusterId: null,
    brokers: PMap.empty<number, BrokerInfo>(),
    topicsById: PMap.empty<TopicId, TopicImage>(),
    topicIdsByName: PMap.empty<string, TopicId>(),
    clusterConfig: Object.freeze({}),
    brokerConfigs: PMap.empty<number, ConfigMap>(),
    nextProducerId: 0,
    partitionTotal: 0,
    topicNamesByCollisionKey: PMap.empty<string, readonly string[]>(),
  });
}

export function topicById(image: MetadataImage, topicId: TopicId): TopicImage | undefined {
  return image.topicsById.get(topicId);
}

export function topicByName(image: MetadataImage, name: string): TopicImage | undefined {
  const id = image.topicIdsByName.get(name);
  return id === undefined ? undefined : image.topicsById.get(id);
}

export interface PartitionState {
  readonly leader: number;
  readonly leaderEpoch: number;
  readonly replicas: readonly number[];
  readonly isr: readonly number[];
  /** Replicas not in the given live set, in replica order. */
  readonly offlineReplicas: readonly number[];
}

/** O(replication factor): what a Metadata or Produce request needs to know about one partition. */
export function partitionState(
  image: MetadataImage,
  topicName: string,
  partition: number,
  liveBrokers: ReadonlySet<number>,
): PartitionState | undefined {
  const p = topicByName(image, topicName)?.partitions[partition];
  if (p === undefined) return undefined;
  return {
    leader: p.leader,
    leaderEpoch: p.leaderEpoch,
    replicas: p.replicas,
    isr: p.isr,
    offlineReplicas: p.replicas.filter((b) => !liveBrokers.has(b)),
  };
}

/** Every registered broker id, ascending. */
export function brokerIds(image: MetadataImage): number[] {
  return [...image.brokers.keys()].sort((a, b) => a - b);
}

/** The total number of partitions over all topics. */
export function partitionCount(image: MetadataImage): number {
  return image.partitionTotal;
}

/** Topics sorted by name: a stable order for listings and for the canonical encoding. */
export function topicsByName(image: MetadataImage): TopicImage[] {
  return [...image.topicsById.values()].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
}
