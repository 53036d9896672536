import type { Entry } from '../core/index.js';
import { ProposalLostError } from './errors.js';

/**
 * One proposal's two promises with their settle functions. Unlike deferred.ts, a promise is marked
 * handled (a no-op catch) only when it is about to be rejected, not when it is made: on the success
 * path, which every proposal takes, that saves two derived promises, two closures and two microtask
 * jobs per proposal. A caller may still ignore either promise without an unhandled rejection.
 */
class Pending {
  isDurable = false;
  readonly durable: Promise<void>;
  readonly committed: Promise<void>;
  resolveDurable!: () => void;
  rejectDurable!: (err: Error) => void;
  resolveCommitted!: () => void;
  rejectCommitted!: (err: Error) => void;

  constructor(
    readonly term: number,
    readonly startMs: number,
  ) {
    this.durable = new Promise<void>((resolve, reject) => {
      this.resolveDurable = resolve;
      this.rejectDurable = reject;
    });
    this.committed = new Promise<void>((resolve, reject) => {
      this.resolveCommitted = resolve;
      this.rejectCommitted = reject;
    });
  }

  reject(err: Error): void {
    this.durable.catch(ignore);
    this.committed.catch(ignore);
    this.rejectDurable(err);
    this.rejectCommitted(err);
  }
}

function ignore(): void {
  // A rejection nobody waits for is not an error here: the caller chose acks=1 or acks=all.
}

/**
 * A group's proposals awaiting their fate, by index. An entry proposed in term T at index i is
 * committed iff the entry committed at index i has term T; it is lost as soon as an entry of another
 * term takes index i in our log. Both are decided from what the Ready loop writes and applies.
 */
export class ProposalTracker {
  private readonly byIndex = new Map<number, Pending>();

  get size(): number {
    return this.byIndex.size;
  }

  /** Tracks a proposal; returns its two promises (the tracking record itself: no object per call). */
  add(index: number, term: number, nowMs: number): { readonly durable: Promise<void>; readonly committed: Promise<void> } {
    const p = new Pending(term, nowMs);
    this.byIndex.set(index, p);
    return p;
  }

  /**
   * Entries about to be written from entries[0].index on (the log is cut there first): a pending
   * proposal at or after that index is lost unless the same term's entry is written at its index.
   */
  overwritten(entries: readonly Entry[]): void {
    const first = entries[0];
    if (this.byIndex.size === 0 || first === undefined) return;
    // Keys, not [index, p] pairs: this runs for every append of a leader, over all its pending
    // proposals, and the pairs were an allocation each (1 % of a node's allocations under load).
    // Deleting the current key while iterating a Map is safe.
    for (const index of this.byIndex.keys()) {
      if (index < first.index) continue;
      const p = this.byIndex.get(index) as Pending;
      const e = entries[index - first.index];
      if (e === undefined || e.term !== p.term) {
        this.fail(index, p, new ProposalLostError(`entry ${index} was replaced by the log of term ${e?.term ?? first.term}`, false));
      }
    }
  }

  /** Entries now durable in our own log. */
  persisted(entries: readonly Entry[]): void {
    if (this.byIndex.size === 0) return;
    for (const e of entries) {
      const p = this.byIndex.get(e.index);
      if (p !== undefined && p.term === e.term && !p.isDurable) {
        p.isDurable = true;
        p.resolveDurable();
      }
    }
  }

  /** Entries committed and applied: settle the matching proposals; returns their latencies (ms). */
  applied(entries: readonly Entry[], nowMs: number, latencies: (ms: number) => void): void {
    if (this.byIndex.size === 0) return;
    for (const e of entries) {
      const p = this.byIndex.get(e.index);
      if (p === undefined) continue;
      this.byIndex.delete(e.index);
      if (p.term !== e.term) {
        p.reject(new ProposalLostError(`entry ${e.index} committed in term ${e.term}, not ${p.term}`, false));
        continue;
      }
      p.resolveDurable();
      p.resolveCommitted();
      latencies(nowMs - p.startMs);
    }
  }

  /** Everything committed by a snapshot: a proposal at or below it is unknown (its term is gone). */
  coveredBySnapshot(index: number): void {
    for (const [i, p] of this.byIndex) {
      if (i <= index) this.fail(i, p, new ProposalLostError(`entry ${i} was compacted into a snapshot before it was seen`, true));
    }
  }

  failAll(err: Error): void {
    for (const [i, p] of this.byIndex) this.fail(i, p, err);
  }

  private fail(index: number, p: Pending, err: Error): void {
    this.byIndex.delete(index);
    p.reject(err);
  }
}
