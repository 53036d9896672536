import { crc32c } from '../../util/crc32c.js';
import { CorruptRecordBatchError, UnsupportedMessageFormatError } from './errors.js';
import { readInt64 } from './int64.js';
import * as L from './layout.js';

export interface RecordBatchHeader {
  readonly baseOffset: number;
  readonly batchLength: number;
  readonly partitionLeaderEpoch: number;
  readonly magic: number;
  readonly crc: number;
  readonly attributes: number;
  readonly compression: number;
  readonly timestampType: L.TimestampType;
  readonly isTransactional: boolean;
  readonly isControl: boolean;
  readonly lastOffsetDelta: number;
  readonly baseTimestamp: number;
  readonly maxTimestamp: number;
  readonly producerId: number;
  readonly producerEpoch: number;
  readonly baseSequence: number;
  readonly recordCount: number;
}

/** The magic byte sits at the same position in every message format, so it is checked first. */
export function checkMagic(batch: Buffer): void {
  if (batch.length <= L.MAGIC) throw new CorruptRecordBatchError(`record batch of ${batch.length} bytes has no magic byte`);
  const magic = batch.readInt8(L.MAGIC);
  if (magic === 0 || magic === 1) {
    throw new UnsupportedMessageFormatError(`message format v${magic} is not supported; producers must send record batches (magic 2)`);
  }
  if (magic !== L.CURRENT_MAGIC) throw new CorruptRecordBatchError(`unknown record batch magic ${magic}`);
}

/** Parses and checks the header of one whole batch (as returned by splitBatches). */
export function readBatchHeader(batch: Buffer): RecordBatchHeader {
  checkMagic(batch);
  if (batch.length < L.HEADER_BYTES) throw new CorruptRecordBatchError(`record batch of ${batch.length} bytes is shorter than its header`);
  const batchLength = batch.readInt32BE(L.BATCH_LENGTH);
  if (batchLength + L.LOG_OVERHEAD !== batch.length) {
    throw new CorruptRecordBatchError(`batchLength ${batchLength} does not match the ${batch.length} bytes of the batch`);
  }
  const attributes = batch.readInt16BE(L.ATTRIBUTES);
  return {
    baseOffset: readInt64(batch, L.BASE_OFFSET),
    batchLength,
    partitionLeaderEpoch: batch.readInt32BE(L.PARTITION_LEADER_EPOCH),
    magic: L.CURRENT_MAGIC,
    crc: batch.readUInt32BE(L.CRC),
    attributes,
    compression: attributes & L.COMPRESSION_MASK,
    timestampType: (attributes & L.TIMESTAMP_TYPE_BIT) === 0 ? 'create-time' : 'log-append-time',
    isTransactional: (attributes & L.TRANSACTIONAL_BIT) !== 0,
    isControl: (attributes & L.CONTROL_BIT) !== 0,
    lastOffsetDelta: batch.readInt32BE(L.LAST_OFFSET_DELTA),
    baseTimestamp: readInt64(batch, L.BASE_TIMESTAMP),
    maxTimestamp: readInt64(batch, L.MAX_TIMESTAMP),
    producerId: readInt64(batch, L.PRODUCER_ID),
    producerEpoch: batch.readInt16BE(L.PRODUCER_EPOCH),
    baseSequence: batch.readInt32BE(L.BASE_SEQUENCE),
    recordCount: batch.readInt32BE(L.RECORD_COUNT),
  };
}

/**
 * The batch CRC over attributes..end. Checked on every produced batch, so it goes through the
 * native CRC-32C the WAL uses (pure JavaScript for small inputs or where it does not load): with
 * the JavaScript table it was 12–13% of a single-node broker's CPU under produce load.
 */
export function computeBatchCrc(batch: Buffer): number {
  return crc32c(batch.subarray(L.ATTRIBUTES));
}

/** Throws CorruptRecordBatchError (CORRUPT_MESSAGE) unless the stored CRC-32C matches. */
export function verifyBatchCrc(batch: Buffer): void {
  if (batch.length < L.HEADER_BYTES) throw new CorruptRecordBatchError('record batch shorter than its header');
  const stored = batch.readUInt32BE(L.CRC);
  const actual = computeBatchCrc(batch);
  if (stored !== actual) {
    throw new CorruptRecordBatchError(`record batch CRC mismatch: stored ${stored.toString(16)}, computed ${actual.toString(16)}`);
  }
}
