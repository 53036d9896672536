import type { Logger } from 'pino';
import type { RandomSource } from './random.js';
import type { Storage } from './storage.js';

export interface RaftConfig {
  /** This node's id (positive). */
  id: number;
  storage: Storage;
  /** Ticks without hearing from a leader before a follower campaigns (randomised in [n, 2n)). */
  electionTick: number;
  /** Ticks between a leader's heartbeats; must be well below electionTick. */
  heartbeatTick: number;
  /** Seeded randomness for election timeouts (keeps the core deterministic). */
  random: RandomSource;
  /** The index the driver's state machine has already applied (on restart). */
  applied?: number;
  /** Largest total entry bytes in one AppendEntries message. */
  maxSizePerMsg?: number;
  /** Most AppendEntries messages in flight to one follower (pipelining window). */
  maxInflightMsgs?: number;
  /** Most entry bytes in flight to one follower; 0 = no byte limit. */
  maxInflightBytes?: number;
  /** Leader refuses proposals once this many bytes are uncommitted. */
  maxUncommittedBytes?: number;
  /** Most committed-entry bytes handed out per Ready (at least one entry). */
  maxCommittedBytesPerReady?: number;
  /** Most ReadIndex requests queued on a leader. */
  maxPendingReads?: number;
  /** Pre-vote (thesis §9.6): a partitioned node does not bump terms and disrupt the group. */
  preVote?: boolean;
  /** Check-quorum (thesis §6.2): a leader steps down when it stops hearing from a majority. */
  checkQuorum?: boolean;
  /**
   * After the driver reports the leader's connection down (`peerDown`), the surviving voters
   * campaign one after another, this many ticks apart (peer-down.ts). Default 2.
   */
  peerDownStrideTicks?: number;
  /**
   * Quiescence (docs/raft-driver.md): an idle leader whose followers are all caught up stops
   * heartbeating and its followers stop their election clocks; any input wakes the group. The
   * driver must then report lost connections (`peerDown`), which stand in for heartbeats.
   * Default false (the core alone has no failure detector).
   */
  quiesce?: boolean;
  /**
   * Commit notices: when the leader's commit index moves, it tells every follower at once, with an
   * empty append to a follower it has no new entries for. Off, it tells them only with what it
   * sends anyway: the next append with entries (which every busy group sends each round) or the
   * next heartbeat (which carries the commit index; a quiesce heartbeat too). That saves, per
   * commit and follower, a message and its acknowledgement, and the follower's wake-up, read and
   * apply in between; the price is that a follower applies up to a heartbeat interval later after
   * the last entry of a burst. For groups whose followers serve nothing from their applied state
   * (the leader alone answers), not for those whose followers must apply promptly. Default true.
   */
  commitNotices?: boolean;
  logger?: Logger;
}

export interface ResolvedRaftConfig {
  id: number;
  electionTick: number;
  heartbeatTick: number;
  maxSizePerMsg: number;
  maxInflightMsgs: number;
  maxInflightBytes: number;
  maxUncommittedBytes: number;
  maxCommittedBytesPerReady: number;
  maxPendingReads: number;
  preVote: boolean;
  checkQuorum: boolean;
  peerDownStrideTicks: number;
  quiesce: boolean;
  commitNotices: boolean;
}

export function resolveConfig(c: RaftConfig): ResolvedRaftConfig {
  return {
    id: c.id,
    electionTick: c.electionTick,
    heartbeatTick: c.heartbeatTick,
    maxSizePerMsg: c.maxSizePerMsg ?? 1024 * 1024,
    maxInflightMsgs: c.maxInflightMsgs ?? 256,
    maxInflightBytes: c.maxInflightBytes ?? 0,
    maxUncommittedBytes: c.maxUncommittedBytes ?? 64 * 1024 * 1024,
    maxCommittedBytesPerReady: c.maxCommittedBytesPerReady ?? 4 * 1024 * 1024,
    maxPendingReads: c.maxPendingReads ?? 4096,
    preVote: c.preVote ?? true,
    checkQuorum: c.checkQuorum ?? true,
    peerDownStrideTicks: c.peerDownStrideTicks ?? 2,
    quiesce: c.quiesce ?? false,
    commitNotices: c.commitNotices ?? true,
  };
}
