import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { concatBuffers } from '../../../src/raft/core/index.js';
import { COPY_MAX_BYTES, Packer } from '../../../src/raft/driver/packer.js';

const SEED = Number(process.env['FC_SEED'] ?? 20261127);

describe('Packer', () => {
  it('keeps the bytes in order, packs small pieces and passes large ones through as the same views', () => {
    fc.assert(
      fc.property(fc.array(fc.oneof(fc.uint8Array({ maxLength: 64 }), fc.uint8Array({ minLength: COPY_MAX_BYTES - 2, maxLength: 3 * COPY_MAX_BYTES })), { maxLength: 60 }), (pieces) => {
        const p = new Packer();
        for (const b of pieces) p.put(b);
        const parts = p.finish();
        // Buffer.equals, not toEqual: a deep compare of ~100 KB per run is slow.
        expect(Buffer.from(concatBuffers(parts)).equals(Buffer.from(concatBuffers(pieces)))).toBe(true);
        expect(p.bytes).toBe(pieces.reduce((n, b) => n + b.byteLength, 0));
        const large = pieces.filter((b) => b.byteLength > COPY_MAX_BYTES);
        // Zero-copy for large pieces: the very same objects are in the output.
        for (const b of large) expect(parts.includes(b)).toBe(true);
        // Between two large pieces at most one packed run (plus chunk roll-overs, 16 KiB each).
        const packedBytes = p.bytes - large.reduce((n, b) => n + b.byteLength, 0);
        expect(parts.length).toBeLessThanOrEqual(2 * large.length + 1 + Math.ceil(packedBytes / (16 * 1024)));
      }),
      { seed: SEED, numRuns: 300 },
    );
  });

  it('reserve() hands out room in the current chunk, starting a new one when it is full', () => {
    const p = new Packer();
    const first = p.reserve(10);
    p.buf.fill(1, first, first + 10);
    const big = p.reserve(20_000);
    expect(big).toBe(0);
    expect(p.buf.byteLength).toBeGreaterThanOrEqual(20_000);
    p.buf.fill(2, big, big + 20_000);
    const parts = p.finish();
    expect(parts.map((b) => b.byteLength)).toEqual([10, 20_000]);
    expect(parts[0]?.every((x) => x === 1)).toBe(true);
    expect(parts[1]?.every((x) => x === 2)).toBe(true);
  });
});
