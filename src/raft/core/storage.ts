import type { ConfState, Entry, HardState, Snapshot } from './types.js';

export interface InitialState {
  hardState: HardState;
  confState: ConfState;
}

/**
 * The core's synchronous, read-only view of the durable log (modelled on etcd's Storage). The
 * driver writes to it only as told by a Ready, so the core always knows what is durable.
 *
 * Indexes: the log holds entries [firstIndex(), lastIndex()]; index firstIndex() - 1 is the last
 * entry covered by the snapshot, whose term `term()` must still answer.
 */
export interface Storage {
  initialState(): InitialState;
  /**
   * Entries in [lo, hi), stopping before the total data size passes maxBytes but always returning at
   * least one entry when lo < hi. The core only asks for firstIndex() <= lo and hi <= lastIndex() + 1.
   */
  entries(lo: number, hi: number, maxBytes: number): Entry[];
  /** The term of entry i, for firstIndex() - 1 <= i <= lastIndex(); undefined otherwise (compacted). */
  term(i: number): number | undefined;
  firstIndex(): number;
  lastIndex(): number;
  /** The most recent snapshot (index 0 and empty data if there is none). */
  snapshot(): Snapshot;
}

export function entrySize(e: Entry): number {
  // Fixed overhead approximates the codec's per-entry header so that empty entries still count.
  return e.data.byteLength + 21;
}
