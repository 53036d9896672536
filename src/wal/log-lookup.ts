/**
 * The partition queries by Kafka offset and by timestamp, over the sparse offset and timestamp keys
 * (indexer.ts): find the floor key (the last one before the target), the ceiling key (the first at
 * or after it), and scan the frames between them. Every batch without a key lies within
 * `indexIntervalBytes` after a keyed one of its segment, so the scan is bounded; with a dense index
 * (written before session 8) floor and ceiling are neighbours and nothing is scanned. Answers are
 * exactly those of a dense index (test/wal/sparse-index.property.test.ts).
 */
import type { LogState } from './log-state.js';
import type { WalBatchOp } from './context.js';
import type { Segment } from './segment.js';
import type { Entry } from './entry.js';
import { EntryType } from './entry.js';
import { readU64At } from './keys.js';
import { readBatchFields } from './kafka-batch.js';
import { trailingOps } from './indexer.js';
import { FRAME_HEADER_BYTES } from './frame.js';
import { read } from './log-read.js';
import { readSegments, runAsync, type ReadState } from './reader.js';
import { WalCompactedError } from './errors.js';

/** Payload bytes one scan step reads (at least one entry). */
const SCAN_READ_BYTES = 1024 * 1024;
/**
 * Bound on scan steps. The region between a floor and a ceiling key holds at most
 * `indexIntervalBytes` of unkeyed batches (one or two steps); without a ceiling key the scan also
 * covers the in-memory tail (≤ maxPendingBytes). A safety net, not a limit reached in practice.
 */
const MAX_SCAN_STEPS = 4096;

/**
 * The index ops LevelDB does not cover yet, oldest first: those a flush is writing, then those
 * pending. Taken before any await: a flush swaps these arrays out (never mutates them), and
 * `indexedNextOffset` moves only once its batch is written, so each op is seen either through
 * LevelDB's covered range or here. Without the flush's own ops, a lookup made while a flush was in
 * flight found neither (a Fetch at a committed offset came back empty).
 */
function unflushedOps(state: LogState): OpRuns {
  // The trailing keys of the latest round come after every pending op (its batches are the last).
  // The arrays themselves, not a concatenation: a lookup must not copy thousands of pending ops.
  const trailing = state.pendingTrailing;
  return [state.flushingIndexOps, state.pendingIndexOps, trailing === undefined ? [] : trailingOps(state, trailing)];
}

/** Runs of index ops, oldest first. */
type OpRuns = readonly (readonly WalBatchOp[])[];

/** Entry index of the batch containing `offset`, or of the first batch after it. */
export async function findOffset(state: LogState, offset: number): Promise<number | undefined> {
  const target = Math.max(offset, state.logStartOffset);
  if (target >= state.nextOffset) return undefined;
  const pending = unflushedOps(state);
  const indexed = target < state.indexedNextOffset;
  const ceiling = (indexed ? await offsetCeiling(state, target) : undefined) ?? pendingOffsetCeiling(state, pending, target);
  const floor = pendingOffsetFloor(state, pending, target) ?? (await offsetFloor(state, target));
  const from = floor === undefined ? state.firstIndex : floor + 1;
  const found = await scanForOffset(state, from, ceiling, target);
  if (found !== undefined) return found;
  return ceiling === undefined ? undefined : Math.max(ceiling, state.firstIndex);
}

/** The entry of the first offset key at or after `target` in LevelDB. */
async function offsetCeiling(state: LogState, target: number): Promise<number | undefined> {
  const { keys, epoch } = state;
  const range = keys.kindRange(epoch, 'o');
  for await (const value of state.ctx.db.values({ gte: keys.derived(epoch, 'o', target), lt: range.lt, limit: 1 })) return readU64At(value, 0);
  return undefined;
}

/** The entry of the last offset key before `target` in LevelDB. */
async function offsetFloor(state: LogState, target: number): Promise<number | undefined> {
  const { keys, epoch } = state;
  const range = keys.kindRange(epoch, 'o');
  for await (const value of state.ctx.db.values({ gte: range.gte, lt: keys.derived(epoch, 'o', target), reverse: true, limit: 1 })) return readU64At(value, 0);
  return undefined;
}

/** Unflushed offset keys are in offset order and all after LevelDB's. */
function pendingOffsetCeiling(state: LogState, pending: OpRuns, target: number): number | undefined {
  const { keys } = state;
  for (const run of pending) for (const op of run) if (op.type === 'put' && keys.kindOf(op.key) === 'o' && keys.n1(op.key) >= target) return readU64At(op.value, 0);
  return undefined;
}

function pendingOffsetFloor(state: LogState, pending: OpRuns, target: number): number | undefined {
  const { keys } = state;
  let floor: number | undefined;
  for (const run of pending) for (const op of run) if (op.type === 'put' && keys.kindOf(op.key) === 'o' && keys.n1(op.key) < target) floor = readU64At(op.value, 0);
  return floor;
}

/**
 * The first batch in [from, hi) whose last offset is ≥ target (hi: the ceiling key's entry, else the
 * end of the log, the in-memory tail included). Entries come through `read`, CRC-checked.
 */
async function scanForOffset(state: LogState, from: number, ceiling: number | undefined, target: number): Promise<number | undefined> {
  let lo = from;
  for (let step = 0; step < MAX_SCAN_STEPS; step++) {
    lo = Math.max(lo, state.firstIndex);
    const hi = Math.min(ceiling ?? Infinity, state.lastIndex + 1);
    if (lo >= hi) return undefined;
    let entries: Entry[];
    try {
      entries = await read(state, lo, hi, SCAN_READ_BYTES);
    } catch (err) {
      // A prefix deletion ran meanwhile: continue from the new first index.
      if (err instanceof WalCompactedError) continue;
      throw err;
    }
    for (const e of entries) if (e.type === EntryType.KAFKA_BATCH && readBatchFields(e.data).lastOffset >= target) return e.index;
    const last = entries[entries.length - 1];
    if (last === undefined) return undefined;
    lo = last.index + 1;
  }
  return undefined;
}

/** A timestamp key's value: base offset, and (sparse keys) the batch's entry index and end position. */
export interface TimeKey {
  baseOffset: number;
  index: number | undefined;
  end: number | undefined;
}

export function timeKeyOf(value: Uint8Array): TimeKey {
  const sparse = value.byteLength >= 24;
  return { baseOffset: readU64At(value, 0), index: sparse ? readU64At(value, 1) : undefined, end: sparse ? readU64At(value, 2) : undefined };
}

/** The first offset whose batch's maxTimestamp ≥ ts (the batch's base offset), or undefined. */
export async function findTimestamp(state: LogState, ts: number): Promise<number | undefined> {
  const pending = unflushedOps(state);
  // A copy: a prefix deletion may shift the log's array while this awaits.
  for (const seg of state.segments.slice()) {
    if (seg.maxTimestamp < ts) continue;
    const ceiling = (await timeCeiling(state, seg, ts)) ?? pendingTimeKey(state, seg, pending, ts, 'ceiling');
    // No durable record reaches ts here (the index holds each segment's max): it is in the tail.
    if (ceiling === undefined) continue;
    const floor = pendingTimeKey(state, seg, pending, ts, 'floor') ?? (await timeFloor(state, seg, ts));
    const found = floor === undefined ? undefined : await scanForTimestamp(state, seg, floor, ceiling, ts);
    return Math.max(found ?? ceiling.baseOffset, state.logStartOffset);
  }
  for (const e of state.tail) {
    if (e.type !== EntryType.KAFKA_BATCH) continue;
    const b = readBatchFields(e.data);
    if (b.maxTimestamp >= ts) return Math.max(b.baseOffset, state.logStartOffset);
  }
  return undefined;
}

async function timeCeiling(state: LogState, seg: Segment, ts: number): Promise<TimeKey | undefined> {
  const { keys, epoch } = state;
  const gte = keys.derived(epoch, 'x', seg.baseIndex, Math.max(0, ts));
  const lt = keys.derived(epoch, 'x', seg.baseIndex + 1, 0);
  for await (const value of state.ctx.db.values({ gte, lt, limit: 1 })) return timeKeyOf(value);
  return undefined;
}

async function timeFloor(state: LogState, seg: Segment, ts: number): Promise<TimeKey | undefined> {
  if (ts <= 0) return undefined;
  const { keys, epoch } = state;
  const gte = keys.derived(epoch, 'x', seg.baseIndex, 0);
  const lt = keys.derived(epoch, 'x', seg.baseIndex, ts);
  for await (const value of state.ctx.db.values({ gte, lt, reverse: true, limit: 1 })) return timeKeyOf(value);
  return undefined;
}

/**
 * The segment's unflushed timestamp keys come after its flushed ones (a segment's keys only grow,
 * in position and timestamp): the first at or above ts, or the last below it.
 */
function pendingTimeKey(state: LogState, seg: Segment, runs: OpRuns, ts: number, which: 'floor' | 'ceiling'): TimeKey | undefined {
  const { keys } = state;
  let floor: TimeKey | undefined;
  for (const run of runs) {
    for (const op of run) {
      if (op.type !== 'put' || keys.kindOf(op.key) !== 'x' || keys.n1(op.key) !== seg.baseIndex) continue;
      if (keys.n2(op.key) >= ts) return which === 'ceiling' ? timeKeyOf(op.value) : floor;
      floor = timeKeyOf(op.value);
    }
  }
  return which === 'floor' ? floor : undefined;
}

/** The first unkeyed record batch with maxTimestamp ≥ ts after `floor`, before the ceiling. */
async function scanForTimestamp(state: LogState, seg: Segment, floor: TimeKey, ceiling: TimeKey, ts: number): Promise<number | undefined> {
  if (floor.index === undefined || floor.end === undefined) return undefined;
  let found: number | undefined;
  await scanAfterKey(state, seg, { index: floor.index, end: floor.end }, ceiling.index ?? Infinity, (e) => {
    if (e.type !== EntryType.KAFKA_BATCH) return false;
    const b = readBatchFields(e.data);
    if (b.maxTimestamp >= ts) found = b.baseOffset;
    return found !== undefined;
  });
  return found;
}

/**
 * Visits the durable entries of `seg` after a keyed batch (entry `key.index`, ending at byte
 * `key.end`) that start within `indexIntervalBytes` of that end — where every batch without a key
 * lies — and before entry `hi`, until `visit` returns true. Frames are read straight from the key's
 * end position (CRC-checked), also below the log's first index (callers clamp what they find).
 */
export async function scanAfterKey(
  state: LogState,
  seg: Segment,
  key: { index: number; end: number },
  hi: number,
  visit: (e: Entry, end: number) => boolean,
): Promise<void> {
  const limit = key.end + state.indexIntervalBytes;
  let index = key.index + 1;
  let position = key.end;
  for (let step = 0; step < MAX_SCAN_STEPS && position < limit; step++) {
    const end = Math.min(hi, seg.lastIndex + 1, state.durableLastIndex + 1);
    // Looked up each step: a prefix deletion may have removed segments before it meanwhile.
    const segIdx = state.segments.indexOf(seg);
    if (index >= end || segIdx < 0) return;
    const rs: ReadState = { logId: state.logId, segments: state.segments, lo: index, hi: end, maxBytes: state.indexIntervalBytes, out: [], bytes: 0 };
    await runAsync(readSegments(rs, { segIdx, index, position }), state.ctx.io);
    if (rs.out.length === 0) return;
    for (const e of rs.out) {
      if (position >= limit) return;
      position += FRAME_HEADER_BYTES + e.data.byteLength;
      index = e.index + 1;
      if (visit(e, position)) return;
    }
  }
}
