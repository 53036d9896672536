import type { Logger } from 'pino';
import type { Entry, Role } from '../core/index.js';
import type { NodeTransport } from '../transport/index.js';
import type { WalStore } from '../../wal/index.js';
import type { RaftTracer } from './trace.js';

/** Default bound on a group's entry bytes in flight to one follower (see `maxInflightBytes`). */
export const DEFAULT_MAX_INFLIGHT_BYTES = 32 * 1024 * 1024;

/** Membership in Chronik node ids (the driver maps them to Raft ids). */
export interface GroupMembers {
  voters: number[];
  learners: number[];
}

/**
 * What a group's replicated state is applied to. The host calls `apply` with committed entries in
 * index order and awaits a returned promise before it advances that group.
 */
export interface GroupStateMachine {
  apply(entries: Entry[]): void | Promise<void>;
  /** The last index the machine has applied (and will still have after a restart). */
  appliedIndex(): number;
  /** The machine's image as of appliedIndex(), or undefined when it has none to offer. */
  snapshot(): Uint8Array | undefined;
  /** Replaces the machine's state by a snapshot image taken at (index, term). */
  restore(data: Uint8Array, index: number, term: number): void | Promise<void>;
  onConfChange?(members: GroupMembers): void;
}

export type GroupKind = 'raft' | 'partition';

export interface AddGroupOptions {
  logId: string;
  kind: GroupKind;
  /** Chronik node ids. Used for a brand-new group and, on restart, as the current membership. */
  voters: number[];
  learners?: number[];
  stateMachine: GroupStateMachine;
  preferredLeader?: number;
  /**
   * Whether the leader tells followers of each new commit index at once (an empty append when it
   * has no entries for them). Off, followers learn it with the next append or heartbeat: a message
   * and its acknowledgement fewer per commit and follower, for groups whose followers serve no
   * reads from their applied state; they apply up to a heartbeat interval later after a burst.
   * Default true; keep it for groups that need prompt follower apply (the cluster's `__meta`).
   */
  commitNotices?: boolean;
}

export interface RaftHostOptions {
  transport: NodeTransport;
  wal: WalStore;
  /** Directory for the driver's own files (local snapshots of 'raft' groups). */
  dataDir: string;
  logger: Logger;
  /** Tick period; 0 = no timer (tests drive `tick()` by hand). Default 100 ms. */
  tickMs?: number;
  /** Default 10 ticks. */
  electionTicks?: number;
  /** Leaders' heartbeat period. Default 2 ticks (with the default election timeout of 10–20 ticks). */
  heartbeatTicks?: number;
  /** 'raft' groups snapshot their state machine every this many applied entries. Default 10,000. */
  snapshotEveryEntries?: number;
  /** Bound of each group's in-memory cache of recent entries. Defaults 1 MiB and 4,096 entries. */
  entryCacheBytes?: number;
  entryCacheEntries?: number;
  /** Entries kept before a local snapshot for slightly lagging followers. Default 1,024. */
  snapshotTrailingEntries?: number;
  /** Ticks after losing leadership before still-unsettled proposals fail as ambiguous. Default 3 × election. */
  lostProposalTicks?: number;
  /** Bound on pending read barriers per group. Default 4,096. */
  maxPendingReads?: number;
  /** Raft core knobs, passed through. */
  maxSizePerMsg?: number;
  maxInflightMsgs?: number;
  /**
   * Bytes of entries in flight to one follower, per group. Default 32 MiB (`DEFAULT_MAX_INFLIGHT_BYTES`).
   * Unbounded (the core's 0), a catching-up follower was sent 256 appends of up to 1 MiB at once,
   * more than the transport's per-peer queue (64 MiB) holds: frames were dropped and re-sent, a
   * 1 GiB catch-up moved ~13 bytes per data byte and took 176–433 s; at 32 MiB it took 9.2 s at
   * 1.09 bytes per data byte (restart-catchup-3n, docs/bench.md).
   */
  maxInflightBytes?: number;
  maxUncommittedBytes?: number;
  /**
   * Quiescence (docs/raft-driver.md): idle groups stop heartbeating and are no longer ticked; the
   * transport's connection-loss reports stand in for heartbeats (its idle timeout bounds how soon a
   * silent partition is noticed). Default true; the node's setting is `raft.quiesce`.
   */
  quiesce?: boolean;
  /** Seed of the election-timeout randomness (default: derived from the node id). */
  seed?: number;
  /** Bench-only: told where each entry is on its way (trace.ts). Absent in production. */
  tracer?: RaftTracer;
}

export interface ProposeResult {
  index: number;
  term: number;
  /** Resolves once the leader's own copy is durable (acks=1). */
  durable: Promise<void>;
  /** Resolves once the entry is committed and applied here; rejects with ProposalLostError. */
  committed: Promise<void>;
}

export interface GroupStatus {
  groupId: string;
  role: Role;
  term: number;
  /** Chronik node id of the leader, if known. */
  leader: number | undefined;
  commit: number;
  applied: number;
  firstIndex: number;
  lastIndex: number;
  /** Leader only: each follower's last known matching index (Chronik node id → index). */
  match: Map<number, number>;
  /** Current membership (Chronik node ids). */
  members: GroupMembers;
  /** The group is quiet: no heartbeats, no clocks, not ticked (docs/raft-driver.md). */
  quiesced: boolean;
}

export type LeaderChangeListener = (groupId: string, term: number, leader: number | undefined, isLocal: boolean) => void;
