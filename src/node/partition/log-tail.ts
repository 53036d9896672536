import { EntryType, type Entry, type WalLog } from '../../wal/index.js';
import type { LoggedProducerBatch } from '../../kafka/idempotence/index.js';
import { readBatchHeader, recordsCrc } from '../../kafka/record-batch/index.js';
import { asBuffer } from './bytes.js';

/** How far back a restart looks for the high watermark and producer state (entries, bytes). */
export const TAIL_SCAN_MAX_ENTRIES = 20_000;
export const TAIL_SCAN_MAX_BYTES = 64 * 1024 * 1024;
/** Entries per backward step of the scan. */
const STEP_ENTRIES = 64;
/**
 * Bytes per read within a step. Only the batch headers are kept, so the scan holds one read's
 * bytes at a time: a restart opening many partitions at once does not hold their whole windows.
 */
export const TAIL_READ_BYTES = 1024 * 1024;

export interface RecoveredTail {
  /** Offset after the last committed batch (the high watermark at restart). */
  readonly highWatermark: number;
  /** Committed batches of idempotent producers, oldest first, for the producer state. */
  readonly producerBatches: LoggedProducerBatch[];
}

/**
 * A partition's derived state after a restart comes from the tail of its committed log: the high
 * watermark is the end of the last committed batch, and the idempotent-producer state is replayed
 * from the recent batches. The scan walks backwards from the commit index in bounded steps; a
 * producer idle for longer than the window is treated as new, which Kafka (KIP-360) also allows.
 */
export async function recoverTail(log: WalLog, commitIndex: number): Promise<RecoveredTail> {
  /** Each step's producer batches (oldest first within a step), newest step first. */
  const steps: LoggedProducerBatch[][] = [];
  let highWatermark: number | undefined;
  let hi = Math.min(commitIndex, log.lastIndex) + 1;
  let entries = 0;
  let bytes = 0;
  while (hi > log.firstIndex && entries < TAIL_SCAN_MAX_ENTRIES && bytes < TAIL_SCAN_MAX_BYTES) {
    const lo = Math.max(log.firstIndex, hi - STEP_ENTRIES);
    const step: LoggedProducerBatch[] = [];
    let stepEnd: number | undefined;
    bytes += await scanForward(log, lo, hi, (entry) => {
      if (entry.type !== EntryType.KAFKA_BATCH) return;
      const batch = asBuffer(entry.data);
      const header = readBatchHeader(batch);
      stepEnd = header.baseOffset + header.lastOffsetDelta + 1;
      if (header.producerId >= 0) step.push({ ...header, timestampMs: header.maxTimestamp, recordsCrc: recordsCrc(batch) });
    });
    highWatermark ??= stepEnd;
    steps.push(step);
    entries += hi - lo;
    hi = lo;
  }
  return { highWatermark: highWatermark ?? log.logStartOffset, producerBatches: steps.reverse().flat() };
}

/** Visits entries [lo, hi) in order, one bounded read at a time; returns their payload bytes. */
async function scanForward(log: WalLog, lo: number, hi: number, visit: (entry: Entry) => void): Promise<number> {
  let bytes = 0;
  let next = lo;
  // Each read returns at least one entry, so this runs at most hi - lo times.
  while (next < hi) {
    const part = await log.read(next, hi, TAIL_READ_BYTES);
    const last = part.at(-1);
    if (last === undefined) break;
    for (const entry of part) {
      visit(entry);
      bytes += entry.data.byteLength;
    }
    next = last.index + 1;
  }
  return bytes;
}
