import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import CRC32C from 'crc-32/crc32c.js';
import { crc32cCombine } from '../../src/util/crc32c-combine.js';

/** crc-32/crc32c is the reference. */
function reference(data: Uint8Array, seed?: number): number {
  return CRC32C.buf(data, seed) >>> 0;
}

describe('crc32cCombine', () => {
  const seed = Number(process.env.CRC_COMBINE_SEED ?? 20261128);

  it('gives the CRC of a concatenation from the two parts\' CRCs (random parts, both sides of 8 KiB)', () => {
    console.log(`crc32cCombine property seed=${seed} (rerun with CRC_COMBINE_SEED=${seed})`);
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 300 }), fc.uint8Array({ maxLength: 20_000 }), (a, b) => {
        const whole = reference(Buffer.concat([a, b]));
        expect(crc32cCombine(reference(a), reference(b), b.byteLength)).toBe(whole);
      }),
      { seed, numRuns: 200 },
    );
  });

  it('moves a CRC past long runs of zero bytes (lengths with many bits set, up to 16 MiB)', () => {
    const zeros = Buffer.alloc(16 * 1024 * 1024);
    const a = Buffer.from('chronik');
    for (const n of [0, 1, 21, 4095, 65_535, 1_000_000, 16 * 1024 * 1024 - 1]) {
      const b = zeros.subarray(0, n);
      expect(crc32cCombine(reference(a), reference(b), n)).toBe(reference(b, reference(a)));
    }
  });
});
