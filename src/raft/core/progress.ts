import { Inflights } from './inflights.js';

export const ProgressState = {
  /** Unknown match: send one append per heartbeat interval until the follower's position is found. */
  PROBE: 0,
  /** Match known: pipeline appends optimistically, bounded by the inflights window. */
  REPLICATE: 1,
  /** The follower needs a snapshot; nothing else is sent until it is installed or fails. */
  SNAPSHOT: 2,
} as const;
export type ProgressState = (typeof ProgressState)[keyof typeof ProgressState];

/** The leader's view of one follower (the thesis' nextIndex/matchIndex plus flow control). */
export class Progress {
  match = 0;
  next: number;
  state: ProgressState = ProgressState.PROBE;
  /** In PROBE, an append is outstanding; cleared by a heartbeat response (so one probe per beat). */
  probeSent = false;
  pendingSnapshot = 0;
  /** Ticks of election timeouts spent waiting in SNAPSHOT; resends after two without progress. */
  snapshotAge = 0;
  /** Heard from during the current election timeout (check-quorum). */
  recentActive = false;
  /** The highest ReadIndex heartbeat round this follower acknowledged. */
  readRound = 0;
  isLearner: boolean;
  readonly inflights: Inflights;

  constructor(next: number, isLearner: boolean, maxInflightMsgs: number, maxInflightBytes: number) {
    this.next = next;
    this.isLearner = isLearner;
    this.inflights = new Inflights(maxInflightMsgs, maxInflightBytes);
  }

  private resetState(state: ProgressState): void {
    this.probeSent = false;
    this.pendingSnapshot = 0;
    this.snapshotAge = 0;
    this.state = state;
    this.inflights.reset();
  }

  becomeProbe(): void {
    // After a snapshot, continue right after it; otherwise right after what is known to match.
    if (this.state === ProgressState.SNAPSHOT) {
      const pending = this.pendingSnapshot;
      this.resetState(ProgressState.PROBE);
      this.next = Math.max(this.match + 1, pending + 1);
    } else {
      this.resetState(ProgressState.PROBE);
      this.next = this.match + 1;
    }
  }

  becomeReplicate(): void {
    this.resetState(ProgressState.REPLICATE);
    this.next = this.match + 1;
  }

  becomeSnapshot(snapshotIndex: number): void {
    this.resetState(ProgressState.SNAPSHOT);
    this.pendingSnapshot = snapshotIndex;
  }

  /** An acknowledgement up to n; returns whether match advanced. */
  maybeUpdate(n: number): boolean {
    let updated = false;
    if (this.match < n) {
      this.match = n;
      updated = true;
      this.probeSent = false;
    }
    this.next = Math.max(this.next, n + 1);
    return updated;
  }

  /**
   * A rejection of the append whose prevLogIndex was `rejected`; `hint` is where the follower's log
   * may match. Returns false for a stale (out-of-order) rejection.
   */
  maybeDecrTo(rejected: number, hint: number): boolean {
    if (this.state === ProgressState.REPLICATE) {
      if (rejected <= this.match) return false;
      this.next = this.match + 1;
      return true;
    }
    if (this.next - 1 !== rejected) return false;
    if (rejected <= this.match) this.forgetMatch();
    this.next = Math.max(Math.min(rejected, hint + 1), this.match + 1, 1);
    this.probeSent = false;
    return true;
  }

  /**
   * The follower refused the probe at `match` itself: it no longer holds an entry it acknowledged
   * as durable. Raft assumes stable storage survives a restart (the thesis keeps matchIndex
   * "increasing monotonically" on that ground, and etcd's progress never lets `next` fall to
   * `match`), so such a follower would be probed at `match` forever. A disk that lost fsynced
   * writes (or an operator restoring an old copy) breaks that assumption; the repair is to stop
   * trusting `match` and search for the follower's real end, as for a new follower. Lowering
   * match is always safe (commits only ever count it; a lower count commits later, never wrongly),
   * so a duplicated or late rejection costs a re-probe, not correctness. Entries the follower lost
   * that counted towards a commit are a durability loss this cannot undo: the other replicas still
   * hold them, and the follower gets them back from the leader.
   */
  private forgetMatch(): void {
    this.match = 0;
  }

  isPaused(): boolean {
    switch (this.state) {
      case ProgressState.PROBE:
        return this.probeSent;
      case ProgressState.REPLICATE:
        return this.inflights.full();
      default:
        return true;
    }
  }
}
