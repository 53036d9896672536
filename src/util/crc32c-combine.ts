/**
 * CRC-32C combine: the CRC of a concatenation A ++ B from CRC(A), CRC(B) and |B|, without reading
 * the bytes again. For the finished (pre- and post-inverted) CRC values the identity zlib uses
 * holds: CRC(A ++ B) = CRC(A) · x^(8|B|) mod P  xor  CRC(B). It costs one multiplication per set
 * bit of |B| (about 20 for a megabyte, each at most 32 shift-and-xor steps), so it only pays for
 * inputs of several kilobytes, where it replaces a pass over the bytes (see crc32cCombineMinBytes).
 *
 * The WAL uses it to derive a Kafka batch frame's CRC from the batch's own stored CRC (frame.ts);
 * it must agree bit for bit with crc32c over the concatenation (test/util/crc32c-combine.test.ts).
 */

/** CRC-32C (Castagnoli), reflected. */
const POLY = 0x82f63b78;
/** x^0 in the reflected representation (the top bit). */
const ONE = 0x80000000;

/** a · b modulo the CRC polynomial, both in the reflected representation. */
function multModP(a: number, b: number): number {
  let m = ONE;
  let p = 0;
  let bb = b;
  // At most 32 rounds: one per bit of a; stops after a's lowest set bit.
  for (let i = 0; i < 32; i++) {
    if ((a & m) !== 0) {
      p ^= bb;
      if ((a & (m - 1)) === 0) break;
    }
    m >>>= 1;
    bb = (bb & 1) !== 0 ? (bb >>> 1) ^ POLY : bb >>> 1;
  }
  return p >>> 0;
}

/**
 * x^(2^k) mod P for k = 0..63 (enough for any safe-integer bit count). Constants computed once when
 * the module loads and never written after; not assumed periodic in k.
 */
const X2N: readonly number[] = buildPowers();

function buildPowers(): number[] {
  const t = [ONE >>> 1];
  for (let k = 1; k < 64; k++) {
    const prev = t[k - 1] as number;
    t.push(multModP(prev, prev));
  }
  return t;
}

/** x^(8 · bytes) mod P: the factor that moves a CRC past `bytes` bytes. */
export function crc32cShiftFactor(bytes: number): number {
  let p = ONE;
  let n = bytes;
  // x^8 is X2N[3]; then one table step per set bit of n (at most 53 bits for a safe integer).
  for (let k = 3; n > 0; k++) {
    if (n % 2 === 1) p = multModP(X2N[k] as number, p);
    n = Math.floor(n / 2);
  }
  return p;
}

/** CRC-32C of A ++ B, given crcA = crc32c(A), crcB = crc32c(B) and lengthB = |B| in bytes. */
export function crc32cCombine(crcA: number, crcB: number, lengthB: number): number {
  return (multModP(crc32cShiftFactor(lengthB), crcA >>> 0) ^ crcB) >>> 0;
}

/**
 * Below this many bytes of B, a direct (native) CRC of B costs less than the combine's
 * multiplications (measured on the bench VM: a combine at ~1 MiB ≈ 1 µs, a native CRC of 4 KiB
 * ≈ 0.5 µs including the call), so callers that could do either compute B's CRC directly.
 */
export const CRC32C_COMBINE_MIN_BYTES = 8 * 1024;
