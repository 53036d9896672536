import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { deletionBoundary, type SegmentSummary } from '../../../src/node/retention/index.js';

/** The pure retention decision: which whole segments at the front of a log may go. */
function segs(specs: readonly [number, number][]): SegmentSummary[] {
  let base = 1;
  return specs.map(([sizeBytes, maxTimestamp]) => {
    const s = { baseIndex: base, lastIndex: base + 9, sizeBytes, maxTimestamp };
    base += 10;
    return s;
  });
}

describe('deletionBoundary', () => {
  const NOW = 1_000_000;

  it('by time: leading segments older than retention.ms, stopping at the first that must stay', () => {
    const closed = segs([[100, NOW - 5000], [100, NOW - 4000], [100, NOW - 10], [100, NOW - 9000]]);
    expect(deletionBoundary(closed, 500, { retentionMs: 3000, retentionBytes: -1 }, NOW)).toBe(21);
    expect(deletionBoundary(closed, 500, { retentionMs: -1, retentionBytes: -1 }, NOW)).toBeUndefined();
    expect(deletionBoundary(closed, 500, { retentionMs: 100_000, retentionBytes: -1 }, NOW)).toBeUndefined();
  });

  it('by size: oldest segments while the rest still holds retention.bytes', () => {
    const closed = segs([[100, NOW], [100, NOW], [100, NOW]]);
    // 400 bytes in all (100 in the active segment): keeping >= 150 allows dropping two.
    expect(deletionBoundary(closed, 400, { retentionMs: -1, retentionBytes: 150 }, NOW)).toBe(21);
    expect(deletionBoundary(closed, 400, { retentionMs: -1, retentionBytes: 400 }, NOW)).toBeUndefined();
    expect(deletionBoundary(closed, 400, { retentionMs: -1, retentionBytes: 0 }, NOW)).toBe(31);
  });

  it('the larger of the two limits wins', () => {
    const closed = segs([[100, NOW - 5000], [100, NOW], [100, NOW]]);
    expect(deletionBoundary(closed, 400, { retentionMs: 1000, retentionBytes: 150 }, NOW)).toBe(21);
    expect(deletionBoundary(closed, 400, { retentionMs: 1000, retentionBytes: 1000 }, NOW)).toBe(11);
  });

  it('property: the boundary is a segment end, and what stays satisfies both limits', () => {
    const seed = Number(process.env['CHRONIK_PROPERTY_SEED'] ?? 4242);
    console.log(`retention policy property seed ${seed}`);
    fc.assert(
      fc.property(
        fc.array(fc.tuple(fc.integer({ min: 1, max: 1000 }), fc.integer({ min: 0, max: 2 * NOW })), { maxLength: 20 }),
        fc.integer({ min: 0, max: 1000 }),
        fc.integer({ min: -1, max: 2 * NOW }),
        fc.integer({ min: -1, max: 20_000 }),
        (specs, activeBytes, retentionMs, retentionBytes) => {
          const closed = segs(specs);
          const logBytes = closed.reduce((s, c) => s + c.sizeBytes, activeBytes);
          const b = deletionBoundary(closed, logBytes, { retentionMs, retentionBytes }, NOW);
          const gone = b === undefined ? 0 : closed.findIndex((c) => c.lastIndex + 1 === b) + 1;
          expect(b === undefined || gone > 0).toBe(true);
          const kept = closed.slice(gone);
          const keptBytes = kept.reduce((s, c) => s + c.sizeBytes, activeBytes);
          // Nothing dropped was needed: either it was expired or the rest still holds retention.bytes.
          const expiredPrefix = retentionMs < 0 ? 0 : closed.findIndex((c) => c.maxTimestamp >= NOW - retentionMs);
          const byTime = retentionMs < 0 ? 0 : expiredPrefix === -1 ? closed.length : expiredPrefix;
          expect(gone <= byTime || retentionBytes < 0 || keptBytes >= retentionBytes).toBe(true);
          // Nothing deletable stayed at the front.
          const next = kept[0];
          if (next !== undefined) {
            const expired = retentionMs >= 0 && gone < byTime;
            const oversize = retentionBytes >= 0 && keptBytes - next.sizeBytes >= retentionBytes;
            expect(expired || oversize).toBe(false);
          }
        },
      ),
      { seed, numRuns: 500 },
    );
  });
});
