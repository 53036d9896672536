/**
 * The operations that rewrite a log: suffix truncation (a follower's conflicting tail), prefix
 * deletion (after a snapshot or by retention) and snapshot installation. Each orders its LevelDB and
 * file steps so that a crash at any point leaves something recovery handles (see the comments).
 */
import type { LogState } from './log-state.js';
import type { WalBatchOp } from './context.js';
import { batchDurable, putDurable } from './context.js';
import type { Snapshot } from './entry.js';
import { EntryType } from './entry.js';
import { readU64At } from './keys.js';
import { encodeMeta } from './meta.js';
import { emptyKeyState, findSegment, nearestPoint, trimPoints, type Segment } from './segment.js';
import { createSegment, removeSegment } from './segment-files.js';
import { decodeFrameHeader, FRAME_HEADER_BYTES, SEGMENT_HEADER_BYTES } from './frame.js';
import { markerOp, offsetKeyOp, timeKeyOp } from './indexer.js';
import { scanAfterKey, timeKeyOf, type TimeKey } from './log-lookup.js';
import { read } from './log-read.js';
import { readBatchFields } from './kafka-batch.js';
import { WalCorruptionError } from './errors.js';
import { assert } from '../util/assert.js';

/** Bytes read per step while looking for the first record batch after a prefix deletion. */
const START_SCAN_BYTES = 1024 * 1024;
/** Bound on that search, in read steps. */
const START_SCAN_STEPS = 1024;

/** Byte position of entry `index` in `seg`: walk frame headers from the nearest sparse point. */
function positionOf(state: LogState, seg: Segment, index: number): number {
  const p = nearestPoint(seg, index, SEGMENT_HEADER_BYTES);
  let position = p.position;
  const header = Buffer.allocUnsafe(FRAME_HEADER_BYTES);
  for (let i = p.index; i < index; i++) {
    const n = state.ctx.io.readSync(seg.fd, header, position);
    const h = decodeFrameHeader(header.subarray(0, n), 0);
    if (h === undefined || h.index !== i) {
      throw new WalCorruptionError({ logId: state.logId, segment: seg.path, position, reason: `expected frame ${i}`, index: i });
    }
    position += FRAME_HEADER_BYTES + h.length;
  }
  return position;
}

async function collectKeys(state: LogState, range: { gt?: Buffer; gte?: Buffer; lt: Buffer }): Promise<Buffer[]> {
  const out: Buffer[] = [];
  for await (const key of state.ctx.db.keys(range)) out.push(key);
  return out;
}

/**
 * Drops entries after `afterIndex`. Order: index first (one synced batch moving the marker back),
 * then files from the last segment backwards, then the cut. A crash in between leaves the files
 * longer than the index says, which opening treats as an index that is behind (the suffix comes
 * back, as if the truncation never started — its promise had not resolved).
 */
export async function truncateSuffix(state: LogState, afterIndex: number): Promise<void> {
  if (afterIndex >= state.lastIndex) return;
  assert(state.pendingIndexOps.length === 0 && state.pendingMarker === undefined, 'truncate after the index is flushed');
  assert(afterIndex >= state.firstIndex - 1, `cannot truncate to ${afterIndex}, below first index ${state.firstIndex}`);
  assert(state.tail.length === 0, 'truncate after the pending appends drained');
  const k = findSegment(state.segments, afterIndex + 1);
  const segK = state.segments[k];
  assert(segK !== undefined);
  const dropWhole = k > 0 && segK.baseIndex === afterIndex + 1;
  const keepUpTo = dropWhole ? k - 1 : k;
  const last = state.segments[keepUpTo];
  assert(last !== undefined);
  const cutAt = dropWhole ? last.sizeBytes : positionOf(state, last, afterIndex + 1);
  const { ops, nextOffset } = await truncationOps(state, afterIndex, keepUpTo);
  last.lastIndex = afterIndex;
  trimPoints(last, afterIndex);
  ops.push(markerOp(state, last, cutAt));
  await batchDurable(state.ctx, ops);
  for (const seg of state.segments.splice(keepUpTo + 1).reverse()) await removeSegment(state.ctx.io, seg);
  if (state.ctx.fsync === 'always') await state.ctx.io.syncDir(state.dir);
  await state.ctx.io.truncate(last.fd, cutAt);
  if (state.ctx.fsync === 'always') await state.ctx.io.datasync(last.fd);
  last.sizeBytes = cutAt;
  last.allocatedBytes = cutAt;
  state.terms.truncateAfter(afterIndex);
  state.lastIndex = afterIndex;
  state.durableLastIndex = afterIndex;
  state.nextOffset = nextOffset;
  state.durableNextOffset = nextOffset;
  state.indexedLastIndex = afterIndex;
  state.indexedNextOffset = nextOffset;
}

async function truncationOps(state: LogState, afterIndex: number, keepUpTo: number): Promise<{ ops: WalBatchOp[]; nextOffset: number }> {
  const { keys, epoch } = state;
  const ops: WalBatchOp[] = [];
  for (const kind of ['i', 't'] as const) {
    const range = keys.kindRange(epoch, kind);
    for (const key of await collectKeys(state, { gt: keys.derived(epoch, kind, afterIndex), lt: range.lt })) ops.push({ type: 'del', key });
  }
  const oRange = keys.kindRange(epoch, 'o');
  let lastKeyed: { lastOffset: number; index: number } | undefined;
  for await (const [key, value] of state.ctx.db.iterator({ ...oRange, reverse: true })) {
    if (readU64At(value, 0) <= afterIndex) {
      lastKeyed = { lastOffset: keys.n1(key), index: readU64At(value, 0) };
      break;
    }
    ops.push({ type: 'del', key });
  }
  // Offset keys are sparse: batches after the last kept key may still end later.
  const from = lastKeyed === undefined ? state.firstIndex : lastKeyed.index + 1;
  const unkeyed = await lastBatchUpTo(state, from, afterIndex);
  // The index holds the log's last batch (indexer.ts trailingKeys): reopening reads the next offset from it.
  if (unkeyed !== undefined) ops.push(offsetKeyOp(state, unkeyed.lastOffset, unkeyed.index));
  const lastBatch = unkeyed ?? lastKeyed;
  const nextOffset = lastBatch === undefined ? state.logStartOffset : Math.max(state.logStartOffset, lastBatch.lastOffset + 1);
  for (let i = keepUpTo; i < state.segments.length; i++) {
    const seg = state.segments[i];
    if (seg === undefined) continue;
    seg.maxTimestamp = -1;
    let last: TimeKey | undefined;
    const gte = keys.derived(epoch, 'x', seg.baseIndex, 0);
    const lt = keys.derived(epoch, 'x', seg.baseIndex + 1, 0);
    for await (const [key, value] of state.ctx.db.iterator({ gte, lt })) {
      if (i > keepUpTo || readU64At(value, 0) >= nextOffset) ops.push({ type: 'del', key });
      else {
        seg.maxTimestamp = Math.max(seg.maxTimestamp, keys.n2(key));
        last = timeKeyOf(value);
      }
    }
    if (i === keepUpTo) await keyKeptMaximum(state, seg, last, afterIndex, ops);
  }
  return { ops, nextOffset };
}

/** Bytes read per step while scanning batches up to a truncation point. */
const TRUNCATE_SCAN_BYTES = 1024 * 1024;

/** The last batch in [from, afterIndex], if any. */
async function lastBatchUpTo(state: LogState, from: number, afterIndex: number): Promise<{ lastOffset: number; index: number } | undefined> {
  let found: { lastOffset: number; index: number } | undefined;
  let lo = Math.max(from, state.firstIndex);
  // Bounded: each step reads at least one entry; the unkeyed batches after a key span at most indexIntervalBytes.
  for (let step = 0; step < START_SCAN_STEPS && lo <= afterIndex; step++) {
    const entries = await read(state, lo, afterIndex + 1, TRUNCATE_SCAN_BYTES);
    for (const e of entries) if (e.type === EntryType.KAFKA_BATCH) found = { lastOffset: readBatchFields(e.data).lastOffset, index: e.index };
    const last = entries[entries.length - 1];
    if (last === undefined) break;
    lo = last.index + 1;
  }
  return found;
}

/**
 * The segment cut by a truncation keeps the batches up to `afterIndex`. Its max timestamp may be an
 * unkeyed record batch after its last kept timestamp key `last`: found by a bounded scan and keyed,
 * so the index again holds the segment's max. Its sparse-key state restarts (the next batches are keyed).
 */
async function keyKeptMaximum(state: LogState, seg: Segment, last: TimeKey | undefined, afterIndex: number, ops: WalBatchOp[]): Promise<void> {
  Object.assign(seg, emptyKeyState());
  if (last?.index === undefined || last.end === undefined) return;
  let best: { ts: number; baseOffset: number; index: number; end: number } | undefined;
  await scanAfterKey(state, seg, { index: last.index, end: last.end }, afterIndex + 1, (e, end) => {
    if (e.type !== EntryType.KAFKA_BATCH) return false;
    const b = readBatchFields(e.data);
    if (b.maxTimestamp > seg.maxTimestamp) {
      seg.maxTimestamp = b.maxTimestamp;
      best = { ts: b.maxTimestamp, baseOffset: b.baseOffset, index: e.index, end };
    }
    return false;
  });
  if (best !== undefined) ops.push(timeKeyOp(state, seg.baseIndex, best.ts, best.baseOffset, best.index, best.end));
}

/**
 * Discards entries before `beforeIndex`. The new first index is recorded first (synced); whole
 * segments before it are then unlinked (a crash leaves extra segments that opening drops, row 10)
 * and stale index keys cleared (harmless if left: lookups clamp to the first index).
 */
export async function deletePrefix(state: LogState, beforeIndex: number): Promise<void> {
  if (beforeIndex <= state.firstIndex) return;
  assert(beforeIndex <= state.lastIndex + 1, `cannot delete up to ${beforeIndex} past last index ${state.lastIndex}`);
  const prevTerm = termBefore(state, beforeIndex);
  const startOffset = await startOffsetFrom(state, beforeIndex);
  state.meta = { ...state.meta, firstIndex: beforeIndex, prevTerm, startOffset };
  await putDurable(state.ctx, state.keys.meta, encodeMeta(state.meta));
  state.firstIndex = beforeIndex;
  state.logStartOffset = startOffset;
  while (state.segments.length > 1 && (state.segments[1]?.baseIndex ?? Infinity) <= beforeIndex) {
    const seg = state.segments.shift();
    if (seg !== undefined) await removeSegment(state.ctx.io, seg);
  }
  if (state.ctx.fsync === 'always') await state.ctx.io.syncDir(state.dir);
  const runStart = state.terms.runStartOf(beforeIndex - 1);
  state.terms.compactBefore(beforeIndex - 1);
  await clearBelow(state, runStart);
}

function termBefore(state: LogState, index: number): number {
  if (index - 1 < state.firstIndex) return state.meta.prevTerm;
  return state.terms.at(index - 1) ?? state.meta.prevTerm;
}

async function clearBelow(state: LogState, runStart: number | undefined): Promise<void> {
  const { keys, epoch, ctx } = state;
  const firstBase = state.segments[0]?.baseIndex ?? 0;
  await ctx.db.clear({ gte: keys.kindRange(epoch, 'i').gte, lt: keys.derived(epoch, 'i', firstBase) });
  if (runStart !== undefined) await ctx.db.clear({ gte: keys.kindRange(epoch, 't').gte, lt: keys.derived(epoch, 't', runStart) });
  await ctx.db.clear({ gte: keys.kindRange(epoch, 'o').gte, lt: keys.derived(epoch, 'o', state.logStartOffset) });
  await ctx.db.clear({ gte: keys.kindRange(epoch, 'x').gte, lt: keys.derived(epoch, 'x', firstBase, 0) });
}

/** Base offset of the first record batch at or after `index` (nextOffset when there is none). */
async function startOffsetFrom(state: LogState, index: number): Promise<number> {
  if (state.nextOffset <= state.logStartOffset) return state.nextOffset;
  let lo = index;
  for (let step = 0; step < START_SCAN_STEPS && lo <= state.lastIndex; step++) {
    const entries = await read(state, lo, state.lastIndex + 1, START_SCAN_BYTES);
    for (const e of entries) if (e.type === EntryType.KAFKA_BATCH) return readBatchFields(e.data).baseOffset;
    const last = entries[entries.length - 1];
    if (last === undefined) break;
    lo = last.index + 1;
  }
  return lo > state.lastIndex ? state.nextOffset : state.logStartOffset;
}

/**
 * Replaces the whole log by a snapshot. An intent (meta with pendingReset, the new epoch and its
 * marker) is written first in one synced batch; the files are then replaced; opening a log whose
 * intent is still set finishes the job.
 */
export async function installSnapshot(state: LogState, s: Snapshot): Promise<void> {
  assert(state.tail.length === 0, 'install a snapshot after the pending appends drained');
  assert(state.pendingIndexOps.length === 0 && state.pendingMarker === undefined, 'install a snapshot after the index is flushed');
  const epoch = state.epoch + 1;
  const startOffset = s.nextOffset ?? state.nextOffset;
  state.meta = { epoch, firstIndex: s.index + 1, prevTerm: s.term, startOffset, snapshotIndex: s.index, snapshotTerm: s.term, pendingReset: true };
  const ops: WalBatchOp[] = [
    { type: 'put', key: state.keys.meta, value: encodeMeta(state.meta) },
    { type: 'put', key: state.keys.snap, value: Buffer.from(s.data) },
  ];
  const fresh = { baseIndex: s.index + 1, lastIndex: s.index } as const;
  ops.push({ ...markerOp({ ...state, epoch }, { ...emptySegmentLike(fresh) }, SEGMENT_HEADER_BYTES) });
  await batchDurable(state.ctx, ops);
  for (const seg of state.segments.splice(0)) await removeSegment(state.ctx.io, seg);
  state.segments.push(await createSegment(state.ctx, state.dir, s.index + 1));
  state.meta = { ...state.meta, pendingReset: false };
  await putDurable(state.ctx, state.keys.meta, encodeMeta(state.meta));
  await state.ctx.db.clear(state.keys.epochsBelow(epoch));
  Object.assign(state, {
    epoch,
    firstIndex: s.index + 1,
    lastIndex: s.index,
    durableLastIndex: s.index,
    nextOffset: startOffset,
    durableNextOffset: startOffset,
    indexedLastIndex: s.index,
    indexedNextOffset: startOffset,
    logStartOffset: startOffset,
    snapshot: { index: s.index, term: s.term, data: s.data, nextOffset: startOffset },
  });
  state.terms.reset();
}

function emptySegmentLike(f: { baseIndex: number; lastIndex: number }): Segment {
  return { ...emptyKeyState(), ...f, sizeBytes: SEGMENT_HEADER_BYTES, allocatedBytes: SEGMENT_HEADER_BYTES, path: '', fd: -1, pointIndexes: [], pointPositions: [], maxTimestamp: -1, syncing: undefined };
}
