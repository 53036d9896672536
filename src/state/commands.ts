import type { KafkaError } from '../util/errors.js';
import type { ConfigMap, MetaEvent, PartitionAssignment, TopicId } from './events.js';

/**
 * Commands are requests to change metadata. `decide` runs them on the `__meta` leader against its
 * current image and turns them into events (or errors) — it never changes anything itself; the
 * events change the image once Raft has committed them.
 */

export interface DecideContext {
  /** A fresh random UUID string; injected so that `decide` stays pure and tests deterministic. */
  newTopicId(): TopicId;
  /** Brokers alive now (liveness is not in the image). Default: every registered broker. */
  readonly liveBrokers?: ReadonlySet<number>;
}

/** Proposed by the first `__meta` leader of a new cluster; a no-op once a cluster id is set. */
export interface InitializeCluster {
  readonly type: 'InitializeCluster';
  readonly clusterId: string;
}

export interface UnregisterBroker {
  readonly type: 'UnregisterBroker';
  readonly brokerId: number;
}

export interface RegisterBroker {
  readonly type: 'RegisterBroker';
  readonly brokerId: number;
  readonly kafkaHost: string;
  readonly kafkaPort: number;
  readonly raftHost: string;
  readonly raftPort: number;
  readonly rack: string | null;
  readonly incarnation: string;
}

export interface CreatableTopic {
  readonly name: string;
  /** -1: the cluster's `num.partitions` (default 1). Must be -1 with a manual assignment. */
  readonly numPartitions: number;
  /** -1: `default.replication.factor` (default min(3, live brokers)). -1 with a manual assignment. */
  readonly replicationFactor: number;
  /** A manual assignment; empty or absent → Chronik places the replicas. */
  readonly assignments?: readonly PartitionAssignment[];
  /** Kafka sends nullable values; a null is refused as INVALID_CONFIG. */
  readonly configs?: Readonly<Record<string, string | null>>;
  /** Set only by the broker itself (e.g. `__consumer_offsets`), never from a client request. */
  readonly internal?: boolean;
}

export interface CreateTopics {
  readonly type: 'CreateTopics';
  readonly topics: readonly CreatableTopic[];
  readonly validateOnly: boolean;
}

export type TopicRef = { readonly name: string } | { readonly topicId: TopicId };

export interface DeleteTopics {
  readonly type: 'DeleteTopics';
  readonly topics: readonly TopicRef[];
}

export interface PartitionsIncrease {
  readonly name: string;
  /** The new total partition count. */
  readonly count: number;
  /** Replicas of each new partition, or null to let Chronik place them. */
  readonly assignments: readonly (readonly number[])[] | null;
}

export interface CreatePartitions {
  readonly type: 'CreatePartitions';
  readonly topics: readonly PartitionsIncrease[];
  readonly validateOnly: boolean;
}

export type ConfigOp = 'set' | 'delete' | 'append' | 'subtract';

export interface ConfigChange {
  readonly name: string;
  readonly op: ConfigOp;
  readonly value: string | null;
}

export interface AlterTopicConfigs {
  readonly type: 'AlterTopicConfigs';
  readonly topicName: string;
  readonly validateOnly: boolean;
  /** incremental: IncrementalAlterConfigs; replace: the legacy AlterConfigs (unlisted keys reset). */
  readonly change:
    | { readonly mode: 'incremental'; readonly ops: readonly ConfigChange[] }
    | { readonly mode: 'replace'; readonly configs: Readonly<Record<string, string | null>> };
}

export interface AlterBrokerConfigs {
  readonly type: 'AlterBrokerConfigs';
  /** null: the cluster-wide default (Kafka's empty broker resource name). */
  readonly brokerId: number | null;
  readonly validateOnly: boolean;
  /** Only set and delete: no broker config Chronik accepts is a list. */
  readonly ops: readonly ConfigChange[];
}

export interface AllocateProducerIds {
  readonly type: 'AllocateProducerIds';
  readonly brokerId: number;
  /** Default 1000, like Kafka's block size. */
  readonly blockSize?: number;
}

export type MetaCommand =
  | InitializeCluster
  | RegisterBroker
  | UnregisterBroker
  | CreateTopics
  | DeleteTopics
  | CreatePartitions
  | AlterTopicConfigs
  | AlterBrokerConfigs
  | AllocateProducerIds;

/** The outcome for one topic of a batch command; `error` null means it succeeded (or would). */
export interface TopicResult {
  readonly name: string;
  readonly topicId: TopicId | null;
  readonly error: KafkaError | null;
}

export interface CreatedTopicResult extends TopicResult {
  readonly numPartitions: number;
  readonly replicationFactor: number;
  /** The explicitly set configs of the new topic. */
  readonly configs: ConfigMap;
}

/** Events to propose to `__meta`, plus per-topic results for batch commands (else empty). */
export interface Decision<R extends TopicResult = TopicResult> {
  readonly events: readonly MetaEvent[];
  readonly results: readonly R[];
}
