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

/** Updates the segment's in-memory view and pushes index ops; returns the batch's offsets if type 2. */
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
  ops.push({ type: 'put', key: t.keys.derived(t.epoch, 'o', b.lastOffset), value: u64s(f.index) });
  if (b.maxTimestamp > seg.maxTimestamp) {
    seg.maxTimestamp = b.maxTimestamp;
    ops.push({ type: 'put', key: t.keys.derived(t.epoch, 'x', seg.baseIndex, b.maxTimestamp), value: u64s(b.baseOffset) });
  }
  return { baseOffset: b.baseOffset, lastOffset: b.lastOffset };
}

/** "Indexed up to `seg.lastIndex`; the next frame goes at `endPosition` of `seg`." */
export function markerOp(t: IndexTarget, seg: Segment, endPosition: number): WalBatchOp {
  return { type: 'put', key: t.keys.marker(t.epoch), value: u64s(seg.lastIndex, seg.baseIndex, endPosition) };
}
