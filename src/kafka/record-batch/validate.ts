import { InvalidRecordError } from './errors.js';
import { readBatchHeader, verifyBatchCrc, type RecordBatchHeader } from './header.js';
import { splitBatches } from './split.js';

/**
 * The checks a broker applies to a batch from a producer before appending it, using only the
 * header (no decompression): magic and sizes, CRC-32C, no control batches (only transaction
 * coordinators write those), and a record count that agrees with lastOffsetDelta.
 */
export function validateProducedBatch(batch: Buffer): RecordBatchHeader {
  const header = readBatchHeader(batch);
  verifyBatchCrc(batch);
  if (header.isControl) throw new InvalidRecordError('producers may not write control batches');
  if (header.recordCount <= 0) throw new InvalidRecordError(`record batch with ${header.recordCount} records`);
  if (header.lastOffsetDelta !== header.recordCount - 1) {
    throw new InvalidRecordError(`lastOffsetDelta ${header.lastOffsetDelta} does not match ${header.recordCount} records`);
  }
  return header;
}

/** Splits and validates a produce request's records for one partition; batch views in order. */
export function validateProducedRecords(records: Buffer): { batch: Buffer; header: RecordBatchHeader }[] {
  return splitBatches(records).map((batch) => ({ batch, header: validateProducedBatch(batch) }));
}
