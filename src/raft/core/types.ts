/** Sentinel for "no node" (no leader known, no vote cast). Node ids are positive integers. */
export const NONE = 0;

/** Entry types. Anything other than CONF_CHANGE is opaque data to the core (2 = Kafka batch). */
export const EntryType = {
  NORMAL: 0,
  CONF_CHANGE: 1,
  KAFKA_BATCH: 2,
} as const;

export interface Entry {
  index: number;
  term: number;
  type: number;
  data: Uint8Array;
}

/** The durable part of a node's state (Raft paper Figure 2: currentTerm, votedFor; plus commit). */
export interface HardState {
  term: number;
  vote: number;
  commit: number;
}

/** The membership of a group: voters decide elections and commits; learners only receive the log. */
export interface ConfState {
  voters: readonly number[];
  learners: readonly number[];
}

export interface SnapshotMetadata {
  index: number;
  term: number;
  confState: ConfState;
}

/** A snapshot: the driver's opaque state-machine image as of `metadata.index`. */
export interface Snapshot {
  metadata: SnapshotMetadata;
  data: Uint8Array;
}

export const Role = {
  FOLLOWER: 'follower',
  PRE_CANDIDATE: 'pre-candidate',
  CANDIDATE: 'candidate',
  LEADER: 'leader',
} as const;
export type Role = (typeof Role)[keyof typeof Role];

/** Volatile state reported to the driver when it changes (for leadership events). */
export interface SoftState {
  leaderId: number;
  role: Role;
  term: number;
}

/** A confirmed linearizable read point (§6.4): reads of state applied up to `index` are safe. */
export interface ReadState {
  index: number;
  context: Uint8Array;
}

export const MessageType = {
  APPEND: 1,
  APPEND_RESP: 2,
  VOTE: 3,
  VOTE_RESP: 4,
  PRE_VOTE: 5,
  PRE_VOTE_RESP: 6,
  HEARTBEAT: 7,
  HEARTBEAT_RESP: 8,
  SNAPSHOT: 9,
  TIMEOUT_NOW: 10,
  READ_INDEX: 11,
  READ_INDEX_RESP: 12,
} as const;
export type MessageType = (typeof MessageType)[keyof typeof MessageType];
export const MAX_MESSAGE_TYPE = 12;

/**
 * One Raft message. A flat record (like etcd's raftpb.Message) so that the codec and the step
 * functions stay simple; each field's meaning depends on the type:
 * - APPEND: `index`/`logTerm` are the previous entry (prevLogIndex/prevLogTerm), `entries`, `commit`.
 * - APPEND_RESP: `index` is the follower's last matching index (or the rejected prevLogIndex when
 *   `reject`); on reject `rejectHint` and `logTerm` carry the conflict hint (§5.3).
 * - VOTE / PRE_VOTE: `index`/`logTerm` are the candidate's last entry; `context` 1 = leadership
 *   transfer (bypasses the leader lease).
 * - HEARTBEAT / HEARTBEAT_RESP: `commit`, and `context` is a ReadIndex round (0 = none). A
 *   HEARTBEAT with `quiesce` is a leader's last one before it goes quiet (docs/raft-driver.md);
 *   HEARTBEAT_RESP with `reject` is a quiet follower, woken by another node, waking its leader.
 * - SNAPSHOT: `snapshot`.
 * - READ_INDEX / READ_INDEX_RESP: `readContext`; the response's `index` is the read point.
 */
export interface Message {
  type: MessageType;
  from: number;
  to: number;
  term: number;
  logTerm: number;
  index: number;
  commit: number;
  reject: boolean;
  rejectHint: number;
  context: number;
  entries: Entry[];
  snapshot: Snapshot | undefined;
  readContext: Uint8Array | undefined;
  /** HEARTBEAT only: the leader quiesces; a follower in step with it stops its election clock. */
  quiesce: boolean;
}

/** Builds a message with every field not given zeroed. */
export function message(fields: Partial<Message> & Pick<Message, 'type' | 'from' | 'to' | 'term'>): Message {
  return {
    logTerm: 0,
    index: 0,
    commit: 0,
    reject: false,
    rejectHint: 0,
    context: 0,
    entries: [],
    snapshot: undefined,
    readContext: undefined,
    quiesce: false,
    ...fields,
  };
}

