import { crc32c } from '../../util/crc32c.js';
import * as L from './layout.js';

/** CRC-32C (Castagnoli), reflected. */
const POLY = 0x82f63b78;
/** x^0 in the reflected representation (the top bit). */
const ONE = 0x80000000;

/** a * b modulo the CRC polynomial, both in the reflected representation. */
function multModP(a: number, b: number): number {
  let m = ONE;
  let p = 0;
  let bb = b;
  // At most 32 rounds: one per bit of a.
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
 * x^(2^k) mod P for k = 0..63 (enough for any safe-integer length). Constants computed once per
 * process; not assumed periodic in k, so no wrap-around like zlib's 32-entry table.
 */
const X2N: readonly number[] = (() => {
  const t = [ONE >>> 1];
  for (let k = 1; k < 64; k++) t.push(multModP(t[k - 1] as number, t[k - 1] as number));
  return t;
})();

/** x^(8 * bytes) mod P: the factor that moves a CRC past `bytes` zero bytes. */
function shiftFactor(bytes: number): number {
  let p = ONE;
  let n = bytes;
  // Three squarings of x^1 is x^8, one byte; then one table step per bit of n (at most 53).
  for (let k = 3; n > 0; k++) {
    if (n % 2 === 1) p = multModP(X2N[k] as number, p);
    n = Math.floor(n / 2);
  }
  return p;
}

/**
 * CRC-32C of the records section alone (after the 61-byte header). The header changes when a
 * client resends a batch (kafkajs stamps a new firstTimestamp on each attempt) and when the broker
 * assigns offsets or LogAppendTime; the records do not, so this identifies the batch's content.
 *
 * It is derived, not recomputed: the batch CRC (stored at CRC, verified on produce) covers the 40
 * header bytes from attributes on followed by the records, and CRC(h ++ r) = CRC(h) * x^(8|r|) xor
 * CRC(r) for the finished CRC values (the combine identity zlib uses). So CRC(r) costs a 40-byte
 * CRC and ~50 short polynomial products, not a second pass over a batch of up to a megabyte on the
 * leader and on every replica's apply. test/node/partition/records-crc.test.ts checks it against a
 * direct CRC of the records.
 */
export function recordsCrc(batch: Buffer): number {
  const whole = batch.readUInt32BE(L.CRC);
  return (whole ^ multModP(shiftFactor(batch.length - L.RECORDS), batchHeadCrc(batch))) >>> 0;
}

/**
 * The batch CRC after bytes ATTRIBUTES..RECORDS of the header changed (the records did not), from
 * `headCrcBefore`, the CRC-32C of those 40 bytes before the change. With n the records' length,
 * CRC(h ++ r) = CRC(h) * x^(8n) xor CRC(r), so the new CRC is the stored one xor
 * (CRC(h) xor CRC(h')) * x^(8n): a 40-byte CRC instead of a pass over up to a megabyte. It carries
 * the stored CRC forward: right if that was right for the bytes (produce verifies it first), and
 * still wrong if it was not, so a corrupt batch is never given a CRC that hides it.
 */
export function rebasedBatchCrc(batch: Buffer, headCrcBefore: number): number {
  const whole = batch.readUInt32BE(L.CRC);
  const headAfter = batchHeadCrc(batch);
  return (whole ^ multModP(shiftFactor(batch.length - L.RECORDS), (headCrcBefore ^ headAfter) >>> 0)) >>> 0;
}

/** CRC-32C of the header bytes the batch CRC covers (attributes up to the records). */
export function batchHeadCrc(batch: Buffer): number {
  return crc32c(batch.subarray(L.ATTRIBUTES, L.RECORDS));
}
