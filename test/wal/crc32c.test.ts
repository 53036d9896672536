import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import CRC32C from 'crc-32/crc32c.js';
import { crc32c, crc32cImplementation, crc32cNative, crc32cRange, NATIVE_MIN_BYTES } from '../../src/util/crc32c.js';

/** crc-32/crc32c is the reference every other implementation must agree with. */
function reference(data: Uint8Array, seed?: number): number {
  return CRC32C.buf(data, seed) >>> 0;
}

/** Inputs on both sides of the native threshold, at odd offsets inside a larger buffer. */
const inputArb = fc
  .tuple(fc.uint8Array({ minLength: 0, maxLength: 3 * NATIVE_MIN_BYTES }), fc.integer({ min: 0, max: 7 }))
  .map(([bytes, skip]) => bytes.subarray(Math.min(skip, bytes.byteLength)));

describe('crc32c', () => {
  const seed = Number(process.env.WAL_CRC_SEED ?? 20261127);

  it('matches the standard check value and crc-32/crc32c on known inputs', () => {
    expect(crc32c(Buffer.from('123456789', 'latin1'))).toBe(0xe3069283);
    const big = Buffer.alloc(1 << 20);
    for (let i = 0; i < big.length; i++) big[i] = (i * 131 + (i >> 9)) & 0xff;
    expect(crc32c(big)).toBe(reference(big));
    expect(crc32c(new Uint8Array(0), 0x1234_5678)).toBe(0x1234_5678);
  });

  it('agrees with crc-32/crc32c on random inputs and seeds, whole and chained', () => {
    console.log(`crc32c property seed=${seed} (rerun with WAL_CRC_SEED=${seed}); large inputs use ${crc32cImplementation}`);
    fc.assert(
      fc.property(inputArb, inputArb, fc.integer({ min: 0, max: 0xffff_ffff }), (a, b, s) => {
        expect(crc32c(a, s)).toBe(reference(a, s));
        const joined = Buffer.concat([a, b]);
        // Chaining is how frames are checksummed: the header's CRC seeds the payload's.
        expect(crc32c(b, crc32c(a))).toBe(reference(joined));
      }),
      { seed, numRuns: 400 },
    );
  });

  it('crc32cRange over a range of a larger buffer agrees with crc-32/crc32c on that range', () => {
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 0, maxLength: 200 }), fc.nat(), fc.nat(), fc.integer({ min: 0, max: 0xffff_ffff }), (bytes, x, y, s) => {
        const from = bytes.byteLength === 0 ? 0 : x % bytes.byteLength;
        const to = from + (bytes.byteLength - from === 0 ? 0 : y % (bytes.byteLength - from + 1));
        expect(crc32cRange(bytes, from, to, s)).toBe(reference(bytes.subarray(from, to), s));
        expect(crc32cRange(bytes, from, to)).toBe(reference(bytes.subarray(from, to)));
      }),
      { seed, numRuns: 400 },
    );
    expect(crc32cRange(Buffer.from('xx123456789', 'latin1'), 2, 11)).toBe(0xe3069283);
  });

  it('the native implementation, when loaded, agrees with crc-32/crc32c at every size', () => {
    if (crc32cImplementation === 'js') {
      // Nothing native to compare on this platform: crc32c is crc-32/crc32c itself.
      expect(crc32cNative(new Uint8Array(1))).toBeUndefined();
      return;
    }
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 0, maxLength: 4096 }), fc.integer({ min: 0, max: 0xffff_ffff }), (data, s) => {
        expect(crc32cNative(data, s)).toBe(reference(data, s));
        expect(crc32cNative(data)).toBe(reference(data));
      }),
      { seed, numRuns: 300 },
    );
  });
});
