/** In-memory view of one segment file: where it is, what it holds, and its sparse index points. */
import type { FileHandle } from './file-io.js';

export interface Segment {
  baseIndex: number;
  /** Last durable entry index in this segment; baseIndex - 1 when empty. */
  lastIndex: number;
  /** Where the next frame goes: the end of the frames (the logical size). */
  sizeBytes: number;
  /**
   * The file's size on disk: sizeBytes, or more while the last segment is preallocated (a hole
   * past the frames, see prealloc.ts). Only the last segment is ever larger than its frames.
   */
  allocatedBytes: number;
  path: string;
  fd: FileHandle;
  /** Sparse index (entry index, byte position), ascending; the first frame is always a point. */
  pointIndexes: number[];
  pointPositions: number[];
  /** Highest maxTimestamp of the type-2 batches in this segment; -1 when none. */
  maxTimestamp: number;
  /**
   * Where the sparse offset and timestamp keys stand (indexer.ts): the end position of the last
   * batch given an offset key, and of the last record batch (one that raised maxTimestamp) given a
   * timestamp key, by this process; undefined until then, so that the next one is keyed.
   */
  offsetKeyEnd: number | undefined;
  timeKeyEnd: number | undefined;
  /**
   * The latest batch that got no offset key (unkeyedLastOffset -1: none), and the latest record
   * batch that got no timestamp key (unkeyedTs -1: none): keyed when the segment is left or the
   * index flushed (indexer.ts trailingKeys).
   */
  unkeyedLastOffset: number;
  unkeyedOffsetIndex: number;
  unkeyedTs: number;
  unkeyedBaseOffset: number;
  unkeyedIndex: number;
  unkeyedEnd: number;
  /**
   * A round's fdatasync of this segment still running (log-write.ts syncRound), so that the sync
   * made when the segment is left behind starts after it returns, never beside it: two overlapping
   * fdatasyncs through one open file description share one writeback-error report (errseq), and
   * the one that checks first takes it, so the round whose pages were lost could succeed.
   */
  syncing: Promise<void> | undefined;
}

export function newSegment(baseIndex: number, path: string, fd: FileHandle, sizeBytes: number): Segment {
  return { ...emptyKeyState(), baseIndex, lastIndex: baseIndex - 1, sizeBytes, allocatedBytes: sizeBytes, path, fd, pointIndexes: [], pointPositions: [], maxTimestamp: -1, syncing: undefined };
}

/** The sparse-key fields of a segment nothing has been keyed in yet (by this process). */
type KeyState = 'offsetKeyEnd' | 'timeKeyEnd' | 'unkeyedLastOffset' | 'unkeyedOffsetIndex' | 'unkeyedTs' | 'unkeyedBaseOffset' | 'unkeyedIndex' | 'unkeyedEnd';

export function emptyKeyState(): Pick<Segment, KeyState> {
  return { offsetKeyEnd: undefined, timeKeyEnd: undefined, unkeyedLastOffset: -1, unkeyedOffsetIndex: 0, unkeyedTs: -1, unkeyedBaseOffset: 0, unkeyedIndex: 0, unkeyedEnd: 0 };
}

/** Index into `segments` of the segment holding `index`, or -1. Binary search on base indexes. */
export function findSegment(segments: readonly Segment[], index: number): number {
  let lo = 0;
  let hi = segments.length - 1;
  let found = -1;
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    const s = segments[mid];
    if (s !== undefined && s.baseIndex <= index) {
      found = mid;
      lo = mid + 1;
    } else hi = mid - 1;
  }
  return found;
}

/** The nearest point at or before `index` in a segment: where a bounded forward scan starts. */
export function nearestPoint(seg: Segment, index: number, headerBytes: number): { index: number; position: number } {
  const idx = seg.pointIndexes;
  let lo = 0;
  let hi = idx.length - 1;
  let found = -1;
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    if ((idx[mid] ?? Infinity) <= index) {
      found = mid;
      lo = mid + 1;
    } else hi = mid - 1;
  }
  if (found < 0) return { index: seg.baseIndex, position: headerBytes };
  return { index: idx[found] ?? seg.baseIndex, position: seg.pointPositions[found] ?? headerBytes };
}

/** Drops points after `afterIndex` (suffix truncation). */
export function trimPoints(seg: Segment, afterIndex: number): void {
  let n = seg.pointIndexes.length;
  while (n > 0 && (seg.pointIndexes[n - 1] ?? 0) > afterIndex) n--;
  seg.pointIndexes.length = n;
  seg.pointPositions.length = n;
}
