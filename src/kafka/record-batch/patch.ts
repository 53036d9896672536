import { assert } from '../../util/assert.js';
import { writeInt64 } from './int64.js';
import * as L from './layout.js';
import { batchHeadCrc, rebasedBatchCrc } from './records-crc.js';

/**
 * Gives a batch its place in the log, in place. baseOffset and partitionLeaderEpoch precede the
 * CRC's coverage, so the CRC stays valid and nothing is copied.
 */
export function assignOffsets(batch: Buffer, baseOffset: number, partitionLeaderEpoch: number): void {
  assert(batch.length >= L.HEADER_BYTES, 'assignOffsets on a buffer shorter than a batch header');
  assert(Number.isSafeInteger(baseOffset) && baseOffset >= 0, `bad base offset ${baseOffset}`);
  writeInt64(batch, L.BASE_OFFSET, baseOffset);
  batch.writeInt32BE(partitionLeaderEpoch, L.PARTITION_LEADER_EPOCH);
}

/** The offset after the batch: baseOffset + lastOffsetDelta + 1. */
export function nextOffsetAfter(batch: Buffer, baseOffset: number): number {
  return baseOffset + batch.readInt32BE(L.LAST_OFFSET_DELTA) + 1;
}

/**
 * Stamps a topic's LogAppendTime on a batch: the timestamp-type attribute bit and maxTimestamp,
 * which consumers read as every record's timestamp under LogAppendTime. baseTimestamp is left as
 * the producer wrote it, as Kafka does. Both fields are inside the CRC, which is carried forward
 * from the stored one (rebasedBatchCrc: 80 header bytes, not a second pass over the records), so
 * the caller must have verified it.
 */
export function setLogAppendTime(batch: Buffer, timestampMs: number): void {
  assert(batch.length >= L.HEADER_BYTES, 'setLogAppendTime on a buffer shorter than a batch header');
  const headBefore = batchHeadCrc(batch);
  const attributes = batch.readInt16BE(L.ATTRIBUTES) | L.TIMESTAMP_TYPE_BIT;
  batch.writeInt16BE(attributes, L.ATTRIBUTES);
  writeInt64(batch, L.MAX_TIMESTAMP, timestampMs);
  batch.writeUInt32BE(rebasedBatchCrc(batch, headBefore), L.CRC);
}
