import { assert } from '../../util/assert.js';
import { entrySize, type InitialState, type Storage } from './storage.js';
import type { ConfState, Entry, HardState, Snapshot } from './types.js';

const EMPTY = new Uint8Array(0);

/**
 * An in-memory Storage for tests and the simulation. ents[0] is a dummy entry holding the
 * snapshot's index and term, so that term(firstIndex - 1) answers without special cases.
 */
export class MemoryStorage implements Storage {
  private hardState: HardState = { term: 0, vote: 0, commit: 0 };
  private snap: Snapshot;
  private ents: Entry[];

  constructor(confState: ConfState = { voters: [], learners: [] }) {
    this.snap = { metadata: { index: 0, term: 0, confState: cloneConf(confState) }, data: EMPTY };
    this.ents = [{ index: 0, term: 0, type: 0, data: EMPTY }];
  }

  initialState(): InitialState {
    return { hardState: { ...this.hardState }, confState: this.confState() };
  }

  entries(lo: number, hi: number, maxBytes: number): Entry[] {
    const offset = this.offset();
    assert(lo > offset && hi <= this.lastIndex() + 1 && lo <= hi, `entries(${lo}, ${hi}) out of range`);
    const out: Entry[] = [];
    let bytes = 0;
    for (let i = lo; i < hi; i++) {
      const e = this.ents[i - offset];
      assert(e !== undefined, 'entry missing');
      bytes += entrySize(e);
      if (out.length > 0 && bytes > maxBytes) break;
      out.push(e);
    }
    return out;
  }

  term(i: number): number | undefined {
    const offset = this.offset();
    if (i < offset || i > this.lastIndex()) return undefined;
    return this.ents[i - offset]?.term;
  }

  firstIndex(): number {
    return this.offset() + 1;
  }

  lastIndex(): number {
    return this.offset() + this.ents.length - 1;
  }

  snapshot(): Snapshot {
    return this.snap;
  }

  setHardState(hs: HardState): void {
    this.hardState = { ...hs };
  }

  /** Records the current membership (persisted by the driver when a Ready reports it). */
  setConfState(cs: ConfState): void {
    this.confStateOverride = cloneConf(cs);
  }

  /** The membership last set by setConfState, else the snapshot's. */
  confState(): ConfState {
    return cloneConf(this.confStateOverride ?? this.snap.metadata.confState);
  }

  /** Appends entries, first dropping any stored entries at or after entries[0].index (a Ready's rule). */
  append(entries: readonly Entry[]): void {
    const first = entries[0];
    if (first === undefined) return;
    const offset = this.offset();
    assert(first.index <= this.lastIndex() + 1, `append gap: ${first.index} after ${this.lastIndex()}`);
    if (first.index <= offset) {
      // Entries already covered by the snapshot are skipped.
      const skip = offset + 1 - first.index;
      this.append(entries.slice(skip));
      return;
    }
    this.ents.length = first.index - offset;
    for (const e of entries) this.ents.push(e);
  }

  /** Replaces the whole log by a snapshot (a follower installing the leader's snapshot). */
  applySnapshot(snap: Snapshot): void {
    assert(snap.metadata.index >= this.offset(), 'applySnapshot older than current snapshot');
    this.snap = snap;
    this.ents = [{ index: snap.metadata.index, term: snap.metadata.term, type: 0, data: EMPTY }];
    this.confStateOverride = undefined;
  }

  /** Takes a snapshot at `index` with the driver's state image and drops the log prefix up to it. */
  compact(index: number, data: Uint8Array, confState: ConfState): void {
    const offset = this.offset();
    assert(index > offset && index <= this.lastIndex(), `compact(${index}) out of range`);
    const term = this.term(index);
    assert(term !== undefined, 'compact: term unknown');
    this.snap = { metadata: { index, term, confState: cloneConf(confState) }, data };
    this.ents = this.ents.slice(index - offset);
    this.ents[0] = { index, term, type: 0, data: EMPTY };
  }

  /** A deep-enough copy for the simulation's disk model (entries are immutable once written). */
  clone(): MemoryStorage {
    const c = new MemoryStorage();
    c.hardState = { ...this.hardState };
    c.snap = this.snap;
    c.ents = this.ents.slice();
    c.confStateOverride = this.confStateOverride;
    return c;
  }

  private confStateOverride: ConfState | undefined = undefined;

  private offset(): number {
    const dummy = this.ents[0];
    assert(dummy !== undefined, 'dummy entry missing');
    return dummy.index;
  }
}

export function cloneConf(cs: ConfState): ConfState {
  return { voters: [...cs.voters], learners: [...cs.learners] };
}
