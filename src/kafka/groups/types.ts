/**
 * Version-free requests and results of the group coordinator. Request handlers translate the wire
 * structs of each API version into these and back; error codes are Kafka's (src/util/errors.ts).
 * Assignor metadata and assignments are opaque bytes: the coordinator never interprets them.
 */

export type GroupState = 'Empty' | 'PreparingRebalance' | 'CompletingRebalance' | 'Stable' | 'Dead';

export const GROUP_STATES: readonly GroupState[] = [
  'Empty',
  'PreparingRebalance',
  'CompletingRebalance',
  'Stable',
  'Dead',
];

/** The member id a client sends before it has one. */
export const UNKNOWN_MEMBER_ID = '';

export interface GroupProtocol {
  readonly name: string;
  readonly metadata: Uint8Array;
}

export interface JoinGroupRequest {
  readonly groupId: string;
  /** UNKNOWN_MEMBER_ID ('') on a member's first join. */
  readonly memberId: string;
  /** `group.instance.id` of a static member (KIP-345), null for dynamic members. */
  readonly groupInstanceId: string | null;
  readonly protocolType: string;
  readonly protocols: readonly GroupProtocol[];
  readonly sessionTimeoutMs: number;
  /** v0 has none: handlers pass the session timeout, as Kafka does. */
  readonly rebalanceTimeoutMs: number;
  readonly clientId: string;
  readonly clientHost: string;
  /** True for JoinGroup v4+: a new dynamic member first gets MEMBER_ID_REQUIRED (KIP-394). */
  readonly requireKnownMemberId: boolean;
}

export interface JoinGroupMember {
  readonly memberId: string;
  readonly groupInstanceId: string | null;
  readonly metadata: Uint8Array;
}

export interface JoinGroupResult {
  readonly errorCode: number;
  readonly generationId: number;
  readonly protocolType: string | null;
  readonly protocolName: string | null;
  readonly leaderId: string;
  readonly memberId: string;
  /** Non-empty only in the leader's response: every member with its metadata for the chosen protocol. */
  readonly members: readonly JoinGroupMember[];
}

export interface SyncGroupAssignment {
  readonly memberId: string;
  readonly assignment: Uint8Array;
}

export interface SyncGroupRequest {
  readonly groupId: string;
  readonly generationId: number;
  readonly memberId: string;
  readonly groupInstanceId: string | null;
  /** v5+: checked against the group's when present. */
  readonly protocolType: string | null;
  readonly protocolName: string | null;
  /** Only the leader sends assignments. */
  readonly assignments: readonly SyncGroupAssignment[];
}

export interface SyncGroupResult {
  readonly errorCode: number;
  readonly protocolType: string | null;
  readonly protocolName: string | null;
  readonly assignment: Uint8Array;
}

export interface HeartbeatRequest {
  readonly groupId: string;
  readonly generationId: number;
  readonly memberId: string;
  readonly groupInstanceId: string | null;
}

export interface HeartbeatResult {
  readonly errorCode: number;
}

export interface LeavingMember {
  /** UNKNOWN_MEMBER_ID is allowed for a static member identified by its instance id. */
  readonly memberId: string;
  readonly groupInstanceId: string | null;
}

export interface LeaveGroupRequest {
  readonly groupId: string;
  /** v0-v2 carry one member; v3+ a batch. */
  readonly members: readonly LeavingMember[];
}

export interface LeaveGroupMemberResult {
  readonly memberId: string;
  readonly groupInstanceId: string | null;
  readonly errorCode: number;
}

export interface LeaveGroupResult {
  readonly errorCode: number;
  readonly members: readonly LeaveGroupMemberResult[];
}

export interface OffsetCommitPartition {
  readonly partition: number;
  readonly offset: number;
  /** -1 when unknown (OffsetCommit < v6). */
  readonly leaderEpoch: number;
  readonly metadata: string | null;
}

export interface OffsetCommitTopic {
  readonly topic: string;
  readonly partitions: readonly OffsetCommitPartition[];
}

export interface OffsetCommitRequest {
  readonly groupId: string;
  /** -1 for commits outside group management (simple consumers, admin tools). */
  readonly generationId: number;
  readonly memberId: string;
  readonly groupInstanceId: string | null;
  readonly topics: readonly OffsetCommitTopic[];
}

export interface PartitionError {
  readonly partition: number;
  readonly errorCode: number;
}

export interface TopicPartitionErrors {
  readonly topic: string;
  readonly partitions: readonly PartitionError[];
}

export interface OffsetCommitResult {
  readonly topics: readonly TopicPartitionErrors[];
}

export interface TopicPartitions {
  readonly topic: string;
  readonly partitions: readonly number[];
}

export interface OffsetFetchRequest {
  readonly groupId: string;
  /** null asks for every committed partition of the group (OffsetFetch v2+). */
  readonly topics: readonly TopicPartitions[] | null;
}

export interface FetchedOffset {
  readonly partition: number;
  /** -1 when nothing is committed. */
  readonly offset: number;
  readonly leaderEpoch: number;
  readonly metadata: string;
  readonly errorCode: number;
}

export interface FetchedTopic {
  readonly topic: string;
  readonly partitions: readonly FetchedOffset[];
}

export interface OffsetFetchResult {
  readonly errorCode: number;
  readonly topics: readonly FetchedTopic[];
}

export interface OffsetDeleteRequest {
  readonly groupId: string;
  readonly topics: readonly TopicPartitions[];
}

export interface OffsetDeleteResult {
  readonly errorCode: number;
  readonly topics: readonly TopicPartitionErrors[];
}

export interface DescribedMember {
  readonly memberId: string;
  readonly groupInstanceId: string | null;
  readonly clientId: string;
  readonly clientHost: string;
  /** Metadata and assignment are only reported while the group is Stable, as Kafka does. */
  readonly metadata: Uint8Array;
  readonly assignment: Uint8Array;
}

export interface DescribedGroup {
  readonly groupId: string;
  readonly errorCode: number;
  readonly state: GroupState;
  readonly protocolType: string;
  readonly protocolName: string;
  readonly members: readonly DescribedMember[];
}

export interface ListedGroup {
  readonly groupId: string;
  readonly protocolType: string;
  readonly state: GroupState;
}

export interface ListGroupsResult {
  readonly errorCode: number;
  readonly groups: readonly ListedGroup[];
}

export interface DeleteGroupResult {
  readonly groupId: string;
  readonly errorCode: number;
}
