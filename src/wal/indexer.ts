/**
 * Derives index keys from frames, for the append path and for recovery alike, so the index built
 * while writing and the one rebuilt from segments are the same by construction.
 */
import type { LogKeys } from './keys.js';
import { u64s } from './keys.js';
import type { Segment } from './segment.js';
import type { WalBatchOp } from './context.js';
import { EntryType } from './entry.js';
import { readBatchFields } from './kafka-batch.js';
import { FRAME_HEADER_BYTES } from './frame.js';

export interface IndexTarget {
  keys: LogKeys;
  epoch: number;
  indexIntervalBytes: number;
}

export interface IndexedFrame {
  index: number;
  term: number;
  type: number;
  position: number;
  length: number;
  /** Payload; only read for type-2 entries. */
  data: Uint8Array;
  /** Term of the entry before, to emit a term-run key on change. */
  prevTerm: number;
}

/**
 * Updates the segment's in-memory view and pushes index ops; returns the batch's offsets if type 2.
 *
 * Offset and timestamp keys are sparse, as Kafka's index is (index.interval.bytes): a batch gets an
 * offset key when it is the first this process indexes in the segment or starts at least
 * `indexIntervalBytes` after the end of the last keyed one; a record batch (one that raises the
 * segment's max timestamp) gets a timestamp key by the same rule. So every batch without a key lies
 * within `indexIntervalBytes` after a keyed one of its segment, and lookups find the floor key and
 * scan forward (log-lookup.ts). Before, every 1 KiB batch added an offset key and (timestamps rising)
 * a timestamp key: most of the LevelDB batch work on a node serving small batches.
 */
export function indexFrame(
  t: IndexTarget,
  seg: Segment,
  f: IndexedFrame,
  ops: WalBatchOp[],
): { baseOffset: number; lastOffset: number } | undefined {
  const lastPoint = seg.pointPositions[seg.pointPositions.length - 1];
  if (lastPoint === undefined || f.position - lastPoint >= t.indexIntervalBytes) {
    seg.pointIndexes.push(f.index);
    seg.pointPositions.push(f.position);
    ops.push({ type: 'put', key: t.keys.derived(t.epoch, 'i', f.index), value: u64s(seg.baseIndex, f.position) });
  }
  if (f.term !== f.prevTerm) ops.push({ type: 'put', key: t.keys.derived(t.epoch, 't', f.index), value: u64s(f.term) });
  seg.lastIndex = f.index;
  if (f.type !== EntryType.KAFKA_BATCH) return undefined;
  const b = readBatchFields(f.data);
  const end = f.position + FRAME_HEADER_BYTES + f.length;
  if (seg.offsetKeyEnd === undefined || f.position >= seg.offsetKeyEnd + t.indexIntervalBytes) {
    seg.offsetKeyEnd = end;
    seg.unkeyedLastOffset = -1;
    ops.push(offsetKeyOp(t, b.lastOffset, f.index));
  } else {
    seg.unkeyedLastOffset = b.lastOffset;
    seg.unkeyedOffsetIndex = f.index;
  }
  if (b.maxTimestamp > seg.maxTimestamp) {
    seg.maxTimestamp = b.maxTimestamp;
    if (seg.timeKeyEnd === undefined || f.position >= seg.timeKeyEnd + t.indexIntervalBytes) {
      seg.timeKeyEnd = end;
      seg.unkeyedTs = -1;
      ops.push(timeKeyOp(t, seg.baseIndex, b.maxTimestamp, b.baseOffset, f.index, end));
    } else {
      seg.unkeyedTs = b.maxTimestamp;
      seg.unkeyedBaseOffset = b.baseOffset;
      seg.unkeyedIndex = f.index;
      seg.unkeyedEnd = end;
    }
  }
  return { baseOffset: b.baseOffset, lastOffset: b.lastOffset };
}

/**
 * A timestamp key: (segment, max timestamp) → base offset, entry index, end position of the batch.
 * The index and position let a lookup scan forward from this key (dense keys of earlier versions
 * hold the base offset alone: nothing lies between them to scan).
 */
export function timeKeyOp(t: IndexTarget, segBase: number, ts: number, baseOffset: number, index: number, end: number): WalBatchOp {
  return { type: 'put', key: t.keys.derived(t.epoch, 'x', segBase, ts), value: u64s(baseOffset, index, end) };
}

/** An offset key: last offset → entry index. */
export function offsetKeyOp(t: IndexTarget, lastOffset: number, index: number): WalBatchOp {
  return { type: 'put', key: t.keys.derived(t.epoch, 'o', lastOffset), value: u64s(index) };
}

/**
 * The keys of the segment's latest batch and latest record batch when they got none: written
 * whenever the index is flushed and when the segment is left, so that the index always holds each
 * segment's last offset and max timestamp as of its marker (loadDerived reads them back; a
 * timestamp lookup's ceiling key always exists). Empty when both are keyed already.
 */
export function trailingKeys(t: IndexTarget, seg: Segment): WalBatchOp[] {
  const trailing = trailingOf(seg);
  return trailing === undefined ? [] : trailingOps(t, trailing);
}

/** A copy of a segment's unkeyed latest batches (Segment.unkeyed*), taken at the end of a round. */
export type Trailing = Readonly<Pick<Segment, 'baseIndex' | 'unkeyedLastOffset' | 'unkeyedOffsetIndex' | 'unkeyedTs' | 'unkeyedBaseOffset' | 'unkeyedIndex' | 'unkeyedEnd'>>;

/**
 * Numbers only: a round keeps this, not the ops, because the next round nearly always replaces it
 * before a flush writes it (building two keys per 1 KiB round was garbage for nothing).
 */
export function trailingOf(seg: Segment): Trailing | undefined {
  if (seg.unkeyedLastOffset < 0 && seg.unkeyedTs < 0) return undefined;
  const { baseIndex, unkeyedLastOffset, unkeyedOffsetIndex, unkeyedTs, unkeyedBaseOffset, unkeyedIndex, unkeyedEnd } = seg;
  return { baseIndex, unkeyedLastOffset, unkeyedOffsetIndex, unkeyedTs, unkeyedBaseOffset, unkeyedIndex, unkeyedEnd };
}

export function trailingOps(t: IndexTarget, tr: Trailing): WalBatchOp[] {
  const ops: WalBatchOp[] = [];
  if (tr.unkeyedLastOffset >= 0) ops.push(offsetKeyOp(t, tr.unkeyedLastOffset, tr.unkeyedOffsetIndex));
  if (tr.unkeyedTs >= 0) ops.push(timeKeyOp(t, tr.baseIndex, tr.unkeyedTs, tr.unkeyedBaseOffset, tr.unkeyedIndex, tr.unkeyedEnd));
  return ops;
}

/** The segment is left behind: its trailing batches are keyed now (see trailingKeys). */
export function closeSegmentKeys(t: IndexTarget, seg: Segment, ops: WalBatchOp[]): void {
  for (const op of trailingKeys(t, seg)) ops.push(op);
  seg.unkeyedLastOffset = -1;
  seg.unkeyedTs = -1;
}

/** "Indexed up to `seg.lastIndex`; the next frame goes at `endPosition` of `seg`." */
export function markerOp(t: IndexTarget, seg: Segment, endPosition: number): WalBatchOp {
  return { type: 'put', key: t.keys.marker(t.epoch), value: u64s(seg.lastIndex, seg.baseIndex, endPosition) };
}
