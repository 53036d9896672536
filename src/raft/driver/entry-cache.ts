import { entrySize } from '../core/storage.js';
import type { Entry } from '../core/index.js';

/**
 * How far past its bounds the cache may grow to keep entries not yet applied. 32 x the default 1 MiB
 * is half the default `maxUncommittedBytes` (64 MiB), which a leader holds anyway until commit. At 8,
 * produce-1n (20 MB of 1 MiB batches in flight over 6 partitions) still evicted unapplied entries and
 * read them back (`read` and its CRC ~5 % of the broker's main thread); at 32, three alternating
 * pairs: 243.8 / 269.6 / 279.3 MB/s against 221.8 / 264.8 / 260.3, broker 4.1-4.7 against 4.4-5.4 ms
 * of CPU per MB, the same RSS (docs/bench.md, session 8).
 */
export const UNAPPLIED_HEADROOM = 32;

/**
 * The most recent entries of one group, so that replicating to up-to-date followers and applying
 * committed entries never read the disk. Contiguous, bounded by bytes and count (oldest evicted
 * first). Once told what the state machine applied (`applied`), entries not yet applied are kept
 * past those bounds, up to UNAPPLIED_HEADROOM times them (bounded per group: a group that cannot
 * commit, its followers gone, holds at most that much): one large produce batch is often bigger
 * than the whole budget, and evicting it between its write and its apply meant reading it back
 * from disk (positional reads and a CRC pass on the event loop) only to apply it.
 */
export class EntryCache {
  private items: Entry[] = [];
  /** Index into `items` of the oldest live entry (evicting by moving it keeps eviction O(1)). */
  private head = 0;
  private bytes = 0;
  /** Last applied index, once the state machine reported one; entries after it are kept. */
  private appliedIndex: number | undefined;

  constructor(
    private readonly maxBytes: number,
    private readonly maxEntries: number,
  ) {}

  /** The state machine applied everything up to `index`: those entries need not be kept any more. */
  applied(index: number): void {
    this.appliedIndex = Math.max(this.appliedIndex ?? 0, index);
    this.evict();
  }

  get firstIndex(): number | undefined {
    return this.items[this.head]?.index;
  }

  get lastIndex(): number | undefined {
    return this.items.at(-1)?.index;
  }

  get size(): number {
    return this.items.length - this.head;
  }

  /** Adds entries just written; a conflicting suffix is dropped first, a gap clears the cache. */
  append(entries: readonly Entry[]): void {
    const first = entries[0];
    if (first === undefined) return;
    const last = this.lastIndex;
    if (last !== undefined && first.index <= last) this.truncateFrom(first.index);
    else if (last !== undefined && first.index !== last + 1) this.clear();
    for (const e of entries) {
      this.items.push(e);
      this.bytes += entrySize(e);
    }
    this.evict();
  }

  /** Entries [lo, hi) within maxBytes (at least one), or undefined when not all cached. */
  get(lo: number, hi: number, maxBytes: number): Entry[] | undefined {
    const first = this.firstIndex;
    const last = this.lastIndex;
    if (first === undefined || last === undefined || lo < first || hi - 1 > last) return undefined;
    const out: Entry[] = [];
    let bytes = 0;
    for (let i = lo; i < hi; i++) {
      const e = this.items[this.head + (i - first)];
      if (e === undefined) break;
      bytes += entrySize(e);
      if (out.length > 0 && bytes > maxBytes) break;
      out.push(e);
    }
    return out;
  }

  truncateFrom(index: number): void {
    const first = this.firstIndex;
    if (first === undefined) return;
    if (index <= first) {
      this.clear();
      return;
    }
    const keep = this.head + (index - first);
    for (let i = keep; i < this.items.length; i++) this.bytes -= entrySize(this.items[i] as Entry);
    this.items.length = Math.min(this.items.length, keep);
  }

  clear(): void {
    this.items = [];
    this.head = 0;
    this.bytes = 0;
  }

  private evict(): void {
    while (this.size > 0 && this.overBounds()) {
      const e = this.items[this.head] as Entry;
      this.items[this.head] = undefined as unknown as Entry;
      this.head++;
      this.bytes -= entrySize(e);
    }
    // Compact once the dead prefix dominates, so memory stays proportional to the live entries.
    if (this.head > 1024 && this.head * 2 > this.items.length) {
      this.items = this.items.slice(this.head);
      this.head = 0;
    }
  }

  private overBounds(): boolean {
    if (this.bytes > this.maxBytes * UNAPPLIED_HEADROOM || this.size > this.maxEntries * UNAPPLIED_HEADROOM) return true;
    if (this.bytes <= this.maxBytes && this.size <= this.maxEntries) return false;
    const oldest = this.firstIndex;
    return this.appliedIndex === undefined || (oldest !== undefined && oldest <= this.appliedIndex);
  }
}
