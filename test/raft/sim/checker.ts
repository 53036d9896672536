import type { MemoryStorage } from '../../../src/raft/core/memory-storage.js';
import type { Entry } from '../../../src/raft/core/types.js';

export class SimFailure extends Error {
  override readonly name = 'SimFailure';
}

/**
 * The safety properties of Raft (paper Figure 3), checked as the simulation runs:
 * election safety, log matching, leader completeness and state machine safety.
 */
export class Checker {
  private readonly leaderOfTerm = new Map<number, number>();
  /** index -> term of the entry applied there (by anyone), and the state hash after it. */
  private readonly appliedTerm = new Map<number, number>();
  private readonly hashAt = new Map<number, number>();
  private readonly firstIndexOfText = new Map<string, number>();
  maxApplied = 0;
  elections = 0;
  applies = 0;

  fail(message: string): never {
    throw new SimFailure(message);
  }

  /** Election safety: at most one leader per term. */
  onLeader(term: number, id: number): void {
    const prev = this.leaderOfTerm.get(term);
    if (prev !== undefined && prev !== id) this.fail(`two leaders in term ${term}: ${prev} and ${id}`);
    if (prev === undefined) this.elections++;
    this.leaderOfTerm.set(term, id);
  }

  /** State machine safety: every node applies the same entry at each index. */
  onApply(node: number, e: Entry, hashAfter: number, text: string): void {
    this.applies++;
    const term = this.appliedTerm.get(e.index);
    const hash = this.hashAt.get(e.index);
    if (term !== undefined && (term !== e.term || hash !== hashAfter)) {
      this.fail(`node ${node} applied index ${e.index} term ${e.term} but term ${term} was applied there before`);
    }
    this.appliedTerm.set(e.index, e.term);
    this.hashAt.set(e.index, hashAfter);
    if (e.index > this.maxApplied) this.maxApplied = e.index;
    if (text !== '' && !this.firstIndexOfText.has(text)) this.firstIndexOfText.set(text, e.index);
  }

  onRestore(node: number, index: number, hash: number): void {
    const known = this.hashAt.get(index);
    if (known === undefined) this.fail(`node ${node} restored a snapshot at ${index} that nobody applied`);
    if (known !== hash) this.fail(`node ${node} restored a snapshot at ${index} with a different state`);
  }

  indexOf(text: string): number | undefined {
    return this.firstIndexOfText.get(text);
  }

  /** Leader completeness: a leader's log holds every entry applied (hence committed) anywhere. */
  checkLeaderCompleteness(node: number, storage: MemoryStorage): void {
    const first = storage.firstIndex();
    for (const [index, term] of this.appliedTerm) {
      if (index < first) continue;
      const t = storage.term(index);
      if (t !== term) this.fail(`leader ${node} lacks committed entry ${index} (term ${term}, has ${String(t)})`);
    }
  }

  /**
   * §5.4.2 (Figure 8): a leader advances its commit index only to an entry of its own term;
   * earlier entries commit indirectly. Catches the bug directly, before it loses data.
   */
  checkLeaderCommit(node: number, prevCommit: number, commit: number, term: number, commitTerm: number | undefined): void {
    if (commit > prevCommit && commitTerm !== undefined && commitTerm !== term) {
      this.fail(`leader ${node} of term ${term} committed index ${commit} of term ${commitTerm}`);
    }
  }

  /**
   * Durability: every committed entry is on the disk of a majority (in its log, or covered by its
   * snapshot), so no crash pattern that leaves a majority can lose it.
   */
  checkDurability(storages: ReadonlyArray<readonly [number, MemoryStorage]>, quorum: number): void {
    for (const [index, term] of this.appliedTerm) {
      let copies = 0;
      for (const [, s] of storages) {
        if (s.firstIndex() - 1 >= index || s.term(index) === term) copies++;
      }
      if (copies < quorum) this.fail(`committed entry ${index} (term ${term}) is durable on only ${copies} nodes`);
    }
  }

  /** Log matching: if two logs hold an entry with the same index and term, they agree up to it. */
  checkLogMatching(a: number, sa: MemoryStorage, b: number, sb: MemoryStorage): void {
    const lo = Math.max(sa.firstIndex(), sb.firstIndex());
    const hi = Math.min(sa.lastIndex(), sb.lastIndex());
    let i = hi;
    while (i >= lo && sa.term(i) !== sb.term(i)) i--;
    if (i < lo) return;
    const ea = sa.entries(lo, i + 1, Number.MAX_SAFE_INTEGER);
    const eb = sb.entries(lo, i + 1, Number.MAX_SAFE_INTEGER);
    for (let k = 0; k < ea.length; k++) {
      const x = ea[k];
      const y = eb[k];
      if (x === undefined || y === undefined || x.term !== y.term || !sameBytes(x.data, y.data)) {
        this.fail(`log matching: nodes ${a} and ${b} agree at ${i} but differ at ${lo + k}`);
      }
    }
  }
}

function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  if (a.byteLength !== b.byteLength) return false;
  for (let i = 0; i < a.byteLength; i++) if (a[i] !== b[i]) return false;
  return true;
}
