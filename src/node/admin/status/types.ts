/** The cluster view `chronik status` prints (and emits as is with --json). */
export interface ClusterStatus {
  readonly clusterId: string | null;
  readonly nodes: readonly NodeStatus[];
  readonly meta: MetaStatus;
  readonly topics: readonly TopicStatus[];
  readonly groups: readonly GroupStatusView[];
  /** Sources that could not be read (an admin endpoint down, a broker refusing ListGroups, …). */
  readonly problems: readonly string[];
}

export interface NodeStatus {
  readonly id: number;
  readonly kafka: string | null;
  readonly admin: string | null;
  readonly up: boolean;
  /** The node's admin endpoint answered. */
  readonly adminReachable: boolean;
  readonly metaAppliedIndex: number | null;
}

export interface MetaStatus {
  readonly leader: number | null;
  readonly term: number | null;
  readonly commitIndex: number | null;
}

export interface PartitionStatus {
  readonly partition: number;
  readonly leader: number;
  readonly leaderEpoch: number;
  readonly replicas: readonly number[];
  readonly isr: readonly number[];
  readonly highWatermark: number | null;
  /** Raft entries each follower is behind the leader (from the leader's admin endpoint). */
  readonly followerLag: Readonly<Record<string, number>>;
  readonly errorCode: number;
}

export interface TopicStatus {
  readonly name: string;
  readonly topicId: string;
  readonly internal: boolean;
  readonly partitions: readonly PartitionStatus[];
}

export interface GroupStatusView {
  readonly groupId: string;
  readonly coordinator: number;
  readonly state: string;
  readonly protocolType: string;
  readonly members: number;
  /** Sum over committed partitions of (high watermark − committed offset); null if unknown. */
  readonly lag: number | null;
  readonly partitions: readonly { topic: string; partition: number; committed: number; lag: number | null }[];
}
