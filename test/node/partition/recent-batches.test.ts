import { describe, expect, it } from 'vitest';
import { RecentBatches, RecentBatchesBudget } from '../../../src/node/partition/recent-batches.js';

/** A fake batch of `bytes` bytes whose first byte tells which one it is. */
function batch(tag: number, bytes = 100): Buffer {
  return Buffer.alloc(bytes, tag);
}

/** Pushes batches of `records` offsets each, from offset `from`, entry indexes from 10. */
function filled(count: number, opts: { records?: number; bytes?: number; maxBytes?: number; maxCount?: number } = {}): RecentBatches {
  const ring = new RecentBatches(opts.maxBytes, opts.maxCount, Number.MAX_SAFE_INTEGER);
  ring.markTailReader();
  const records = opts.records ?? 5;
  for (let i = 0; i < count; i++) ring.push(10 + i, i * records, (i + 1) * records, batch(i, opts.bytes));
  return ring;
}

describe('RecentBatches', () => {
  it('serves the batch holding an offset and those after it, at least one, within maxBytes', () => {
    const ring = filled(4);
    const slice = ring.read(7, 250);
    expect(slice?.batches.map((b) => b[0])).toEqual([1, 2]);
    expect(slice).toMatchObject({ bytes: 200, lastIndex: 12, nextOffset: 15 });
    // A budget smaller than one batch still returns one, as Kafka does.
    expect(ring.read(0, 1)?.batches.map((b) => b[0])).toEqual([0]);
    expect(ring.read(19, 10_000)?.batches.map((b) => b[0])).toEqual([3]);
  });

  it('covers nothing past its end or before its start', () => {
    const ring = filled(4);
    expect(ring.read(20, 1000)).toBeUndefined();
    expect(new RecentBatches().read(0, 1000)).toBeUndefined();
  });

  it('drops the oldest batches beyond its byte and count bounds, and the rest stay readable', () => {
    const byBytes = filled(10, { bytes: 100, maxBytes: 350 });
    expect(byBytes.size).toBe(3);
    expect(byBytes.byteSize).toBe(300);
    expect(byBytes.read(34, 1000)).toBeUndefined();
    expect(byBytes.read(35, 1000)?.batches.map((b) => b[0])).toEqual([7, 8, 9]);
    const byCount = filled(200, { maxCount: 16 });
    expect(byCount.size).toBe(16);
    expect(byCount.read(184 * 5, 1 << 20)?.batches.map((b) => b[0])).toEqual(Array.from({ length: 16 }, (_, i) => (184 + i) & 0xff));
  });

  it('empties on a batch larger than its budget, and on a gap, rather than serve around them', () => {
    const ring = filled(3, { maxBytes: 1000 });
    ring.push(13, 15, 20, batch(9, 2000));
    expect(ring.size).toBe(0);
    ring.push(14, 20, 25, batch(10));
    expect(ring.read(20, 1000)?.batches.map((b) => b[0])).toEqual([10]);
    // 25 is missing: the ring restarts at 30 and offset 25 is not claimed to be covered.
    ring.push(16, 30, 35, batch(11));
    expect(ring.size).toBe(1);
    expect(ring.read(25, 1000)).toBeUndefined();
    expect(ring.read(30, 1000)?.batches.map((b) => b[0])).toEqual([11]);
  });

  it('copies a view of a larger buffer, so a cached batch does not keep a whole request alive', () => {
    const request = Buffer.alloc(64 * 1024, 7);
    const ring = new RecentBatches();
    ring.markTailReader();
    ring.push(1, 0, 1, request.subarray(100, 200));
    ring.push(2, 1, 2, request.subarray(1000, 11_000));
    const [small, large] = ring.read(0, 1 << 20)?.batches ?? [];
    expect(small?.byteLength).toBe(100);
    expect(small?.buffer).not.toBe(request.buffer);
    // A batch of more than half Node's 8 KiB pool gets memory of exactly its size.
    expect(large?.buffer.byteLength).toBe(10_000);
    request.fill(9);
    expect([small?.[0], large?.[9_999]]).toEqual([7, 7]);
    const own = new Uint8Array(50);
    ring.push(3, 2, 3, own);
    expect(ring.read(2, 1000)?.batches[0]).toBe(own);
  });

  it('keeps batches only while a reader is at the tail: from markTailReader until idle pushes run out', () => {
    const ring = new RecentBatches(1 << 20, 100, 3);
    ring.push(1, 0, 5, batch(0));
    expect(ring.size).toBe(0);
    expect(ring.keeping).toBe(false);
    ring.markTailReader();
    ring.push(2, 5, 10, batch(1));
    ring.push(3, 10, 15, batch(2));
    // A read served from the ring counts as a reader at the tail: the idle count starts again.
    expect(ring.read(10, 1000)?.batches.map((b) => b[0])).toEqual([2]);
    for (let i = 3; i < 6; i++) ring.push(i + 1, i * 5, (i + 1) * 5, batch(i));
    expect(ring.size).toBe(5);
    // A fourth batch with no read in between: nobody tails the partition any more.
    ring.push(7, 30, 35, batch(6));
    expect(ring.keeping).toBe(false);
    expect(ring.size).toBe(0);
    expect(ring.read(30, 1000)).toBeUndefined();
    ring.markTailReader();
    ring.push(8, 35, 40, batch(7));
    expect(ring.read(35, 1000)?.batches.map((b) => b[0])).toEqual([7]);
  });

  it('stays bounded and contiguous over a long run (the consumed front is compacted)', () => {
    const ring = filled(5000, { maxCount: 100 });
    expect(ring.size).toBe(100);
    for (let offset = 4900 * 5; offset < 5000 * 5; offset += 7) {
      const slice = ring.read(offset, 1);
      expect(slice?.nextOffset).toBe((Math.floor(offset / 5) + 1) * 5);
    }
    ring.clear();
    expect(ring.size).toBe(0);
    expect(ring.byteSize).toBe(0);
  });
});

describe('RecentBatches with a node-wide budget', () => {
  it('shares the budget: a ring gives up its own oldest batches, then stops keeping, and every byte is returned', () => {
    const budget = new RecentBatchesBudget(3_000);
    const a = new RecentBatches(2_000, 100, Number.MAX_SAFE_INTEGER, budget);
    const b = new RecentBatches(2_000, 100, Number.MAX_SAFE_INTEGER, budget);
    a.markTailReader();
    b.markTailReader();
    a.push(1, 0, 10, new Uint8Array(1_000));
    a.push(2, 10, 20, new Uint8Array(1_000));
    b.push(1, 0, 10, new Uint8Array(1_000));
    expect(budget.used).toBe(3_000);
    // b needs 1,000 more: it drops its own oldest batch (a's are not its to drop).
    b.push(2, 10, 20, new Uint8Array(1_000));
    expect(b.size).toBe(1);
    expect(b.read(0, 10_000)).toBeUndefined();
    expect(b.read(10, 10_000)?.nextOffset).toBe(20);
    expect(a.size).toBe(2);
    // A batch larger than what b can free stops b keeping anything; readers go to disk.
    b.push(3, 20, 30, new Uint8Array(1_500));
    expect(b.size).toBe(0);
    expect(budget.used).toBe(2_000);
    a.clear();
    expect(budget.used).toBe(0);
  });
});
