/** One closed segment as retention sees it. */
export interface SegmentSummary {
  readonly baseIndex: number;
  readonly lastIndex: number;
  readonly sizeBytes: number;
  /** Largest record timestamp in the segment (ms); -1 when it holds no record batch. */
  readonly maxTimestamp: number;
}

export interface RetentionLimits {
  /** -1: no time limit. */
  readonly retentionMs: number;
  /** -1: no size limit. */
  readonly retentionBytes: number;
}

/**
 * The Raft index before which the log may go, or undefined when nothing may. Pure.
 *
 * Like Kafka, retention removes whole segments from the front, and stops at the first one that
 * must stay: by time, a segment goes once its newest record is older than retentionMs (the caller
 * gives a segment whose newest record it cannot find a timestamp that keeps it); by size, the oldest segments go while the log
 * without them still holds at least retentionBytes. `closed` are the log's segments except the
 * active one, oldest first; `logBytes` is the size of the whole log, active segment included.
 */
export function deletionBoundary(closed: readonly SegmentSummary[], logBytes: number, limits: RetentionLimits, nowMs: number): number | undefined {
  const count = Math.max(expiredByTime(closed, limits.retentionMs, nowMs), excessBySize(closed, logBytes, limits.retentionBytes));
  const last = closed[count - 1];
  return last === undefined ? undefined : last.lastIndex + 1;
}

function expiredByTime(closed: readonly SegmentSummary[], retentionMs: number, nowMs: number): number {
  if (retentionMs < 0) return 0;
  let n = 0;
  while (n < closed.length && (closed[n] as SegmentSummary).maxTimestamp < nowMs - retentionMs) n++;
  return n;
}

function excessBySize(closed: readonly SegmentSummary[], logBytes: number, retentionBytes: number): number {
  if (retentionBytes < 0) return 0;
  let remaining = logBytes;
  let n = 0;
  while (n < closed.length && remaining - (closed[n] as SegmentSummary).sizeBytes >= retentionBytes) {
    remaining -= (closed[n] as SegmentSummary).sizeBytes;
    n++;
  }
  return n;
}
