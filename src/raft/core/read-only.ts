export interface PendingRead {
  /** Who asked: the leader itself (answered through Ready.readStates) or a follower. */
  from: number;
  context: Uint8Array;
  /** The commit index when the read arrived: the read point once leadership is confirmed. */
  index: number;
  /** The heartbeat round sent after this read arrived; a quorum acking it confirms leadership. */
  round: number;
}

/**
 * ReadIndex bookkeeping on the leader (§6.4). Reads queue in arrival order; a read is released when
 * a quorum has acknowledged a heartbeat round sent after it arrived. Reads that arrive before the
 * leader committed an entry of its term wait in `deferred` (until then its commit index may lag).
 */
export class ReadOnly {
  queue: PendingRead[] = [];
  deferred: Array<{ from: number; context: Uint8Array }> = [];
  round = 0;

  constructor(readonly maxPending: number) {}

  full(): boolean {
    return this.queue.length + this.deferred.length >= this.maxPending;
  }

  reset(): void {
    this.queue = [];
    this.deferred = [];
  }
}
