import { CorruptRecordBatchError } from './errors.js';
import { checkMagic } from './header.js';
import * as L from './layout.js';

/**
 * Splits a produce request's records bytes into whole batches (several per partition are legal),
 * as views. Sizes are checked against the bytes present; each batch's magic is checked. A trailing
 * partial batch is corrupt: unlike fetch responses, a produce request has no reason to truncate.
 */
export function splitBatches(records: Buffer, maxBatches = 100_000): Buffer[] {
  const batches: Buffer[] = [];
  let pos = 0;
  while (pos < records.length) {
    if (batches.length >= maxBatches) throw new CorruptRecordBatchError(`more than ${maxBatches} record batches`);
    if (records.length - pos < L.LOG_OVERHEAD) throw new CorruptRecordBatchError(`${records.length - pos} trailing bytes after the last record batch`);
    const batchLength = records.readInt32BE(pos + L.BATCH_LENGTH);
    const size = L.LOG_OVERHEAD + batchLength;
    if (batchLength < L.HEADER_BYTES - L.LOG_OVERHEAD) throw new CorruptRecordBatchError(`record batch length ${batchLength} is too small`);
    if (size > records.length - pos) {
      throw new CorruptRecordBatchError(`record batch of ${size} bytes overruns the ${records.length - pos} bytes left`);
    }
    const batch = records.subarray(pos, pos + size);
    checkMagic(batch);
    batches.push(batch);
    pos += size;
  }
  return batches;
}
