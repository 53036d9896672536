import { EntryType, type Entry, type WalLog } from '../../wal/index.js';
import type { LoggedProducerBatch } from '../../kafka/idempotence/index.js';
import { readBatchHeader } from '../../kafka/record-batch/index.js';
import { asBuffer } from './bytes.js';

/** How far back a restart looks for the high watermark and producer state (entries, bytes). */
export const TAIL_SCAN_MAX_ENTRIES = 20_000;
export const TAIL_SCAN_MAX_BYTES = 64 * 1024 * 1024;
const CHUNK_ENTRIES = 64;

export interface RecoveredTail {
  /** Offset after the last committed batch (the high watermark at restart). */
  readonly highWatermark: number;
  /** Committed batches of idempotent producers, oldest first, for the producer state. */
  readonly producerBatches: LoggedProducerBatch[];
}

/**
 * A partition's derived state after a restart comes from the tail of its committed log: the high
 * watermark is the end of the last committed batch, and the idempotent-producer state is replayed
 * from the recent batches. The scan walks backwards from the commit index in bounded chunks; a
 * producer idle for longer than the window is treated as new, which Kafka (KIP-360) also allows.
 */
export async function recoverTail(log: WalLog, commitIndex: number): Promise<RecoveredTail> {
  const chunks: Entry[][] = [];
  let hi = Math.min(commitIndex, log.lastIndex) + 1;
  let entries = 0;
  let bytes = 0;
  while (hi > log.firstIndex && entries < TAIL_SCAN_MAX_ENTRIES && bytes < TAIL_SCAN_MAX_BYTES) {
    const lo = Math.max(log.firstIndex, hi - CHUNK_ENTRIES);
    const chunk = await log.read(lo, hi, Number.MAX_SAFE_INTEGER);
    chunks.push(chunk);
    entries += chunk.length;
    for (const entry of chunk) bytes += entry.data.byteLength;
    hi = lo;
  }
  let highWatermark = log.logStartOffset;
  const producerBatches: LoggedProducerBatch[] = [];
  for (let c = chunks.length - 1; c >= 0; c--) {
    for (const entry of chunks[c] ?? []) {
      if (entry.type !== EntryType.KAFKA_BATCH) continue;
      const header = readBatchHeader(asBuffer(entry.data));
      highWatermark = header.baseOffset + header.lastOffsetDelta + 1;
      if (header.producerId >= 0) producerBatches.push({ ...header, timestampMs: header.maxTimestamp });
    }
  }
  return { highWatermark, producerBatches };
}
