import { crc32c } from '../../util/crc32c.js';
import { crc32cCombine } from '../../util/crc32c-combine.js';
import * as L from './layout.js';

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
  // CRC(r) = CRC(h ++ r) xor CRC(h) * x^(8|r|): the combine of CRC(h) with the whole batch's CRC.
  return crc32cCombine(batchHeadCrc(batch), batch.readUInt32BE(L.CRC), batch.length - L.RECORDS);
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
  const headDelta = (headCrcBefore ^ batchHeadCrc(batch)) >>> 0;
  return crc32cCombine(headDelta, batch.readUInt32BE(L.CRC), batch.length - L.RECORDS);
}

/** CRC-32C of the header bytes the batch CRC covers (attributes up to the records). */
export function batchHeadCrc(batch: Buffer): number {
  return crc32c(batch.subarray(L.ATTRIBUTES, L.RECORDS));
}
