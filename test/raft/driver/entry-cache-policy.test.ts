import { describe, expect, it } from 'vitest';
import type { Entry } from '../../../src/raft/core/index.js';
import { EntryCache, UNAPPLIED_HEADROOM } from '../../../src/raft/driver/entry-cache.js';

const OVERHEAD = 21;

function entries(from: number, to: number, bytes: number): Entry[] {
  return Array.from({ length: to - from + 1 }, (_, i) => ({ index: from + i, term: 1, type: 0, data: new Uint8Array(bytes) }));
}

const indexes = (c: EntryCache): number[] => (c.get(c.firstIndex ?? 0, (c.lastIndex ?? -1) + 1, Number.MAX_SAFE_INTEGER) ?? []).map((e) => e.index);

describe('EntryCache keeps entries until they are applied', () => {
  it('a batch larger than the byte budget stays cached until applied, then the budget applies again', () => {
    const c = new EntryCache(1000, 100);
    c.applied(0);
    // Three entries of ~600 bytes: twice the budget, none applied yet, so none evicted.
    c.append(entries(1, 3, 600 - OVERHEAD));
    expect(indexes(c)).toEqual([1, 2, 3]);
    expect(c.get(1, 4, Number.MAX_SAFE_INTEGER)?.length).toBe(3);
    // Entries 1..2 applied: evicted down to the budget, never past the unapplied entry 3.
    c.applied(2);
    expect(indexes(c)).toEqual([3]);
    c.append(entries(4, 5, 600 - OVERHEAD));
    expect(indexes(c)).toEqual([3, 4, 5]);
    // All applied: back within the budget (one ~600-byte entry).
    c.applied(5);
    expect(indexes(c)).toEqual([5]);
  });

  it('unapplied entries are bounded too (by the headroom), oldest first', () => {
    const c = new EntryCache(1000, 10);
    c.applied(0);
    c.append(entries(1, 10 * UNAPPLIED_HEADROOM + 5, 1));
    expect(c.size).toBe(10 * UNAPPLIED_HEADROOM);
    expect(c.firstIndex).toBe(6);
    const big = new EntryCache(1000, 1000);
    big.applied(0);
    big.append(entries(1, 40, 1000 - OVERHEAD));
    expect(big.size).toBe(UNAPPLIED_HEADROOM);
    expect(big.lastIndex).toBe(40);
  });

  it('until told what is applied, it keeps only its budget (the plain most-recent cache)', () => {
    const c = new EntryCache(1000, 100);
    c.append(entries(1, 3, 600 - OVERHEAD));
    expect(indexes(c)).toEqual([3]);
  });

  it('a conflicting suffix replaces unapplied entries; an applied index past the cache empties it to the budget', () => {
    const c = new EntryCache(1000, 100);
    c.applied(0);
    c.append(entries(1, 4, 400 - OVERHEAD));
    c.append([{ index: 3, term: 2, type: 0, data: new Uint8Array(10) }]);
    expect(indexes(c)).toEqual([1, 2, 3]);
    expect(c.get(3, 4, 1e9)?.[0]?.term).toBe(2);
    c.applied(10);
    expect(indexes(c)).toEqual([1, 2, 3]); // 400 + 400 + 31 bytes: within the budget, kept for followers
  });
});
