import { readBatchHeader } from '../../kafka/record-batch/index.js';
import { EntryType, type WalLog } from '../../wal/index.js';
import type { SegmentSummary } from './policy.js';

/** Entries read at a segment's end to find its newest batch: a few Raft no-ops may follow it. */
const TAIL_ENTRIES = 16;
const TAIL_MAX_BYTES = 4 * 1024 * 1024;
/** A segment whose tail holds no batch is kept by time (only size retention may remove it). */
const UNKNOWN_TIMESTAMP = Number.MAX_SAFE_INTEGER;

/**
 * The log's closed segments wholly before `beforeIndex`, oldest first, at most `maxSegments` of
 * them, each with the newest record timestamp found in its last entries. The active (last)
 * segment is never a candidate: it is still being written. Time retention stops at the first
 * segment that is not expired, so timestamps are read only up to the first one at or after
 * `cutoffMs` (none when it is -Infinity); later segments get a timestamp that keeps them.
 */
export async function closedSegments(log: WalLog, beforeIndex: number, maxSegments: number, cutoffMs: number): Promise<SegmentSummary[]> {
  const segments = log.segments().slice(0, -1);
  const out: SegmentSummary[] = [];
  let expired = cutoffMs > -Infinity;
  for (const seg of segments) {
    if (out.length >= maxSegments || seg.lastIndex >= beforeIndex) break;
    if (seg.lastIndex < log.firstIndex) continue;
    const maxTimestamp = expired ? await tailTimestamp(log, seg.baseIndex, seg.lastIndex) : UNKNOWN_TIMESTAMP;
    expired &&= maxTimestamp < cutoffMs;
    out.push({ baseIndex: seg.baseIndex, lastIndex: seg.lastIndex, sizeBytes: seg.sizeBytes, maxTimestamp });
  }
  return out;
}

async function tailTimestamp(log: WalLog, baseIndex: number, lastIndex: number): Promise<number> {
  const lo = Math.max(baseIndex, log.firstIndex, lastIndex - TAIL_ENTRIES + 1);
  const entries = await log.read(lo, lastIndex + 1, TAIL_MAX_BYTES);
  let max = -1;
  for (const e of entries) {
    if (e.type !== EntryType.KAFKA_BATCH) continue;
    const data = e.data;
    max = Math.max(max, readBatchHeader(Buffer.from(data.buffer, data.byteOffset, data.byteLength)).maxTimestamp);
  }
  return max < 0 ? UNKNOWN_TIMESTAMP : max;
}
