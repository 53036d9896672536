import { EntryType } from '../../wal/index.js';
import { readBatchHeader } from '../../kafka/record-batch/index.js';
import { asBuffer } from './bytes.js';
import type { PartitionReplica } from './replica.js';

const SCAN_ENTRIES = 1_024;

/**
 * The end offset of the largest leader epoch ≤ `epoch` in the committed log: the first offset
 * written in a later epoch, or the high watermark when no later epoch wrote anything. Terms never
 * decrease along a Raft log, so the epoch boundary is a binary search over entry indexes (O(log n)
 * synchronous term lookups), then a short forward scan to the first batch.
 */
export async function endOffsetForEpoch(replica: PartitionReplica, epoch: number): Promise<{ leaderEpoch: number; endOffset: number }> {
  const log = replica.wal;
  const last = replica.appliedEntryIndex;
  let lo = log.firstIndex;
  let hi = last + 1; // first index whose term > epoch, in [lo, last + 1]
  while (lo < hi) {
    const mid = Math.floor((lo + hi) / 2);
    if (log.termAt(mid) > epoch) hi = mid;
    else lo = mid + 1;
  }
  const leaderEpoch = hi > log.firstIndex ? log.termAt(hi - 1) : -1;
  if (hi > last) return { leaderEpoch: leaderEpoch < 0 ? epoch : leaderEpoch, endOffset: replica.highWatermark };
  const entries = await log.read(hi, Math.min(last + 1, hi + SCAN_ENTRIES), 1024 * 1024);
  for (const entry of entries) {
    if (entry.type === EntryType.KAFKA_BATCH) return { leaderEpoch, endOffset: readBatchHeader(asBuffer(entry.data)).baseOffset };
  }
  return { leaderEpoch, endOffset: replica.highWatermark };
}
