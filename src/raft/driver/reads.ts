import { ProposalDroppedError, type ReadState } from '../core/index.js';
import { deferred, type Deferred } from './deferred.js';
import { RaftTimeoutError } from './errors.js';

interface PendingRead {
  d: Deferred<number>;
  timer: NodeJS.Timeout;
  /** The confirmed read point, once the leader answered. */
  index: number | undefined;
}

/**
 * A group's read barriers (§6.4): each is a ReadIndex request keyed by an 8-byte context, answered
 * by a ReadState, then held until the local state machine has applied up to its index. Each has its
 * own timeout and the number pending is bounded.
 */
export class ReadTracker {
  private readonly pending = new Map<number, PendingRead>();
  private nextId = 1;

  constructor(private readonly maxPending: number) {}

  get size(): number {
    return this.pending.size;
  }

  start(timeoutMs: number, what: string): { context: Uint8Array; id: number; promise: Promise<number> } {
    if (this.pending.size >= this.maxPending) throw new ProposalDroppedError(`too many pending reads (${this.pending.size})`);
    const id = this.nextId++;
    const d = deferred<number>();
    const timer = setTimeout(() => this.fail(id, new RaftTimeoutError(`read barrier on ${what} timed out after ${timeoutMs} ms`)), timeoutMs);
    this.pending.set(id, { d, timer, index: undefined });
    const context = new Uint8Array(8);
    new DataView(context.buffer).setFloat64(0, id);
    return { context, id, promise: d.promise };
  }

  /** The leader confirmed read points; those already applied resolve now. */
  answered(states: readonly ReadState[], applied: number): void {
    for (const rs of states) {
      if (rs.context.byteLength !== 8) continue;
      const id = new DataView(rs.context.buffer, rs.context.byteOffset, 8).getFloat64(0);
      const r = this.pending.get(id);
      if (r === undefined) continue;
      r.index = rs.index;
    }
    this.applied(applied);
  }

  applied(appliedIndex: number): void {
    for (const [id, r] of this.pending) {
      if (r.index !== undefined && r.index <= appliedIndex) {
        clearTimeout(r.timer);
        this.pending.delete(id);
        r.d.resolve(r.index);
      }
    }
  }

  fail(id: number, err: Error): void {
    const r = this.pending.get(id);
    if (r === undefined) return;
    clearTimeout(r.timer);
    this.pending.delete(id);
    r.d.reject(err);
  }

  failAll(err: Error): void {
    for (const id of [...this.pending.keys()]) this.fail(id, err);
  }
}
