import { readBatchHeader } from '../../kafka/record-batch/index.js';
import { EntryType, type Entry, type ReadAlloc } from '../../wal/index.js';
import { ErrorCode, KafkaError } from '../../util/errors.js';
import { asBuffer } from './bytes.js';
import type { PartitionReplica } from './replica.js';

export interface FetchSlice {
  readonly highWatermark: number;
  readonly logStartOffset: number;
  /** Whole stored batches, byte for byte, as views of the log's bytes: no re-encoding, no copy. */
  readonly batches: Uint8Array[];
  readonly bytes: number;
}

/**
 * Reads committed batches from `offset` on, up to `maxBytes` (at least one batch when there is
 * one, as Kafka does, so a batch larger than maxBytes never stalls a consumer). Only committed data
 * is served: nothing past the high watermark, which is the Raft commit point. Bytes read from the
 * segments land in buffers from `alloc` when given (a caller that recycles them once its response
 * is written, see read-buffers.ts).
 */
export async function readCommitted(replica: PartitionReplica, offset: number, maxBytes: number, alloc?: ReadAlloc): Promise<FetchSlice> {
  replica.requireLeader();
  const hw = replica.highWatermark;
  const logStartOffset = replica.logStartOffset;
  if (offset < logStartOffset || offset > hw) {
    throw new KafkaError(ErrorCode.OFFSET_OUT_OF_RANGE, `offset ${offset} is outside [${logStartOffset}, ${hw}]`);
  }
  const empty: FetchSlice = { highWatermark: hw, logStartOffset, batches: [], bytes: 0 };
  if (offset === hw) {
    replica.recent.markTailReader();
    return empty;
  }
  // A reader at the tail (a long-poll just woken by the batch it waits for) is served from memory.
  const recent = replica.recent.read(offset, Math.max(1, maxBytes));
  if (recent !== undefined) {
    replica.fetchHints.remember(recent.nextOffset, recent.lastIndex);
    return { highWatermark: hw, logStartOffset, batches: recent.batches, bytes: recent.bytes };
  }
  const first = await startIndex(replica, offset);
  const lastCommitted = replica.appliedEntryIndex;
  if (first === undefined || first > lastCommitted) return empty;
  const entries = await replica.wal.read(first, lastCommitted + 1, Math.max(1, maxBytes), alloc);
  const batches: Uint8Array[] = [];
  let bytes = 0;
  let last: Entry | undefined;
  for (const entry of entries) {
    if (entry.type !== EntryType.KAFKA_BATCH) continue;
    if (batches.length > 0 && bytes + entry.data.byteLength > maxBytes) break;
    batches.push(entry.data);
    bytes += entry.data.byteLength;
    last = entry;
  }
  if (last !== undefined) replica.fetchHints.remember(nextOffsetAfter(last.data), last.index);
  return { highWatermark: hw, logStartOffset, batches, bytes };
}

/** The entry holding `offset`: where the last read of a sequential reader ended, else a lookup. */
async function startIndex(replica: PartitionReplica, offset: number): Promise<number | undefined> {
  const hinted = replica.fetchHints.get(offset);
  if (hinted !== undefined && hinted >= replica.wal.firstIndex) return hinted;
  return replica.wal.findOffset(offset);
}

function nextOffsetAfter(batch: Uint8Array): number {
  const header = readBatchHeader(asBuffer(batch));
  return header.baseOffset + header.lastOffsetDelta + 1;
}
