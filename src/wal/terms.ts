/**
 * Entry terms as compact runs of (startIndex, term): a log of millions of entries written in a few
 * terms costs a few numbers, and `termAt` is a synchronous binary search.
 */
import { assert } from '../util/assert.js';

export class TermRuns {
  private starts: number[] = [];
  private terms: number[] = [];

  /** Records that entry `index` has `term`; indexes must arrive in increasing order. */
  push(index: number, term: number): void {
    const n = this.terms.length;
    const lastTerm = this.terms[n - 1];
    if (lastTerm === term) return;
    assert(lastTerm === undefined || term > lastTerm, `term ${term} at ${index} goes below ${lastTerm}`);
    assert(n === 0 || index > (this.starts[n - 1] ?? -1), 'term runs out of order');
    this.starts.push(index);
    this.terms.push(term);
  }

  /** Term of `index`, assuming the caller checked the index is in the log. */
  at(index: number): number | undefined {
    let lo = 0;
    let hi = this.starts.length - 1;
    let found = -1;
    while (lo <= hi) {
      const mid = (lo + hi) >> 1;
      if ((this.starts[mid] ?? Infinity) <= index) {
        found = mid;
        lo = mid + 1;
      } else hi = mid - 1;
    }
    return found < 0 ? undefined : this.terms[found];
  }

  lastTerm(): number {
    return this.terms[this.terms.length - 1] ?? 0;
  }

  /** Forgets every index after `afterIndex`. */
  truncateAfter(afterIndex: number): void {
    let n = this.starts.length;
    while (n > 0 && (this.starts[n - 1] ?? 0) > afterIndex) n--;
    this.starts.length = n;
    this.terms.length = n;
  }

  /** Forgets runs wholly before `index` (the run covering it is kept and clipped). */
  compactBefore(index: number): void {
    let i = 0;
    while (i + 1 < this.starts.length && (this.starts[i + 1] ?? Infinity) <= index) i++;
    this.starts = this.starts.slice(i);
    this.terms = this.terms.slice(i);
  }

  /** Start index of the run covering `index` (for deleting older run keys). */
  runStartOf(index: number): number | undefined {
    let found: number | undefined;
    for (const s of this.starts) if (s <= index) found = s;
    return found;
  }

  runs(): Array<{ startIndex: number; term: number }> {
    return this.starts.map((startIndex, i) => ({ startIndex, term: this.terms[i] ?? 0 }));
  }

  reset(): void {
    this.starts = [];
    this.terms = [];
  }
}
