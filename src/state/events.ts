/**
 * The `__meta` events: the only way cluster metadata changes. Each event is a fact that was
 * decided by the `__meta` leader and committed by Raft; every node replays the same events in the
 * same order through `evolve` and so derives the same image. `v` is the event's schema version:
 * a change to an event's fields gets a new version, and old versions stay decodable forever
 * (they are in logs and snapshots). See docs/meta-events.md.
 */

/** Topic ids are UUIDs in their canonical lower-case string form (16 bytes on the Kafka wire). */
export type TopicId = string;

export interface PartitionAssignment {
  readonly partition: number;
  /** replicas[0] is the preferred leader. No duplicates. */
  readonly replicas: readonly number[];
}

export type ConfigMap = Readonly<Record<string, string>>;

export interface BrokerRegistered {
  readonly type: 'BrokerRegistered';
  readonly v: 1;
  readonly brokerId: number;
  readonly kafkaHost: string;
  readonly kafkaPort: number;
  readonly raftHost: string;
  readonly raftPort: number;
  readonly rack: string | null;
  /** Changes on every process start, so a restarted broker is told apart from its old self. */
  readonly incarnation: string;
}

/** The first `__meta` event: fixes the cluster id that every broker reports (first one wins). */
export interface ClusterInitialized {
  readonly type: 'ClusterInitialized';
  readonly v: 1;
  readonly clusterId: string;
}

/** A broker left the cluster for good (decommissioned); its replicas become offline replicas. */
export interface BrokerUnregistered {
  readonly type: 'BrokerUnregistered';
  readonly v: 1;
  readonly brokerId: number;
}

export interface TopicCreated {
  readonly type: 'TopicCreated';
  readonly v: 1;
  readonly topicId: TopicId;
  readonly name: string;
  readonly internal: boolean;
  readonly partitions: readonly PartitionAssignment[];
  /** Only the configs set explicitly; defaults are not copied into the log. */
  readonly configs: ConfigMap;
}

export interface PartitionsAdded {
  readonly type: 'PartitionsAdded';
  readonly v: 1;
  readonly topicId: TopicId;
  /** Continue the topic's numbering: the first is the topic's current partition count. */
  readonly partitions: readonly PartitionAssignment[];
}

export interface TopicDeleted {
  readonly type: 'TopicDeleted';
  readonly v: 1;
  readonly topicId: TopicId;
}

export interface TopicConfigChanged {
  readonly type: 'TopicConfigChanged';
  readonly v: 1;
  readonly topicId: TopicId;
  readonly set: ConfigMap;
  readonly deleted: readonly string[];
}

export interface BrokerConfigChanged {
  readonly type: 'BrokerConfigChanged';
  readonly v: 1;
  /** null: the cluster-wide default for every broker. */
  readonly brokerId: number | null;
  readonly set: ConfigMap;
  readonly deleted: readonly string[];
}

export interface LeaderElected {
  readonly type: 'LeaderElected';
  readonly v: 1;
  readonly topicId: TopicId;
  readonly partition: number;
  /** -1: the partition has no leader in this epoch. */
  readonly leaderId: number;
  /**
   * The partition Raft group's term; events with an epoch ≤ the current one are ignored — except
   * that one equal to the epoch of a provisional leader (named by LeaderTransferred) settles it.
   */
  readonly leaderEpoch: number;
}

/**
 * A leader hands its partition to a caught-up follower (Raft leadership transfer), announced BEFORE
 * the old leader stops accepting, so metadata names the successor by the time any client is told
 * NOT_LEADER_OR_FOLLOWER. The successor is named *provisionally* at epoch `fromEpoch + 1`, the term
 * it will campaign in; its own LeaderElected at that epoch confirms it, and any other LeaderElected
 * at that epoch (someone else won the term) replaces it. Applies only while the image still names
 * `fromLeaderId` at `fromEpoch` (or already names a provisional successor from it at the next
 * epoch: a retry towards another follower); anything else is stale and ignored.
 */
export interface LeaderTransferred {
  readonly type: 'LeaderTransferred';
  readonly v: 1;
  readonly topicId: TopicId;
  readonly partition: number;
  readonly fromLeaderId: number;
  /** The old leader's epoch (its partition Raft term). */
  readonly fromEpoch: number;
  readonly toLeaderId: number;
}

export interface IsrChanged {
  readonly type: 'IsrChanged';
  readonly v: 1;
  readonly topicId: TopicId;
  readonly partition: number;
  readonly isr: readonly number[];
  /** The leader epoch the ISR was measured in; older than the current one → ignored. */
  readonly leaderEpoch: number;
}

export interface ProducerIdBlockAllocated {
  readonly type: 'ProducerIdBlockAllocated';
  readonly v: 1;
  readonly brokerId: number;
  readonly firstProducerId: number;
  readonly size: number;
}

export type MetaEvent =
  | ClusterInitialized
  | BrokerRegistered
  | BrokerUnregistered
  | TopicCreated
  | PartitionsAdded
  | TopicDeleted
  | TopicConfigChanged
  | BrokerConfigChanged
  | LeaderElected
  | LeaderTransferred
  | IsrChanged
  | ProducerIdBlockAllocated;

export type MetaEventType = MetaEvent['type'];

/** The newest schema version of each event type that this code writes and understands. */
export const LATEST_EVENT_VERSION: Readonly<Record<MetaEventType, number>> = Object.freeze({
  ClusterInitialized: 1,
  BrokerRegistered: 1,
  BrokerUnregistered: 1,
  TopicCreated: 1,
  PartitionsAdded: 1,
  TopicDeleted: 1,
  TopicConfigChanged: 1,
  BrokerConfigChanged: 1,
  LeaderElected: 1,
  LeaderTransferred: 1,
  IsrChanged: 1,
  ProducerIdBlockAllocated: 1,
});
