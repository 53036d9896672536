/**
 * One log's share of a group-commit round, in two phases so that the store can pipeline rounds:
 * `writeRound` writes the pending entries' frames (staged at append time, see frame-stage.ts; one
 * positional writev per segment), and `syncRound` fdatasyncs them and derives
 * their index ops. Round N+1's writes may run while round N's fdatasync is in flight; syncs and
 * completions stay in round order, so the index is always derived in log order.
 */
import type { LogState, Waiter } from './log-state.js';
import type { WalBatchOp } from './context.js';
import type { Entry } from './entry.js';
import { findSegment, type Segment } from './segment.js';
import { FRAME_HEADER_BYTES, SEGMENT_HEADER_BYTES } from './frame.js';
import { closeSegmentKeys, indexFrame, markerOp, trailingOf, trailingOps, type IndexedFrame, type Trailing } from './indexer.js';
import { createSegment } from './segment-files.js';
import { crcDeferred, finishDeferredCrcs, frameBuffers } from './frame-stage.js';
import { writtenBytes, type JournalPart } from './journal.js';
import { WalFailedError } from './errors.js';
import { preallocationTarget } from './prealloc.js';
import { assert } from '../util/assert.js';

/** One segment's part of a round: frames written at `position` (durable once the round syncs). */
interface Group {
  seg: Segment;
  position: number;
  entries: Entry[];
  /** The entries' staged frames (for the store's journal: the bytes written, with final headers). */
  staged: Uint8Array[];
}

/** A round whose frames are written but not yet known durable. */
export interface WrittenRound {
  taken: number;
  groups: Group[];
}

export interface RoundResult {
  ops: WalBatchOp[];
  /** The index marker after this round; only the latest pending one is written (see takeIndexOps). */
  marker: WalBatchOp;
  /** The last segment's unkeyed latest batches after this round (indexer.ts trailingKeys); keyed with the marker. */
  trailing: Trailing | undefined;
  taken: number;
  /** Next Kafka offset once this round is durable (unchanged when it had no batches). */
  nextOffset: number;
}

/** Never a real term: forces a term key for the next entry. */
const NO_TERM = -1;

/**
 * Writes the next entries of the tail (up to maxRoundBytes). A segment that fills up is made durable
 * before the next one is created (fdatasync'd; with O_DSYNC every write into it has already
 * returned durable), so a later segment never holds frames while an earlier one may still lose
 * some. At most one round of a log is being written at a time, and at most one more is syncing (the
 * store's pipeline guarantees it), so the earlier rounds' writes into the segment have returned.
 */
export async function writeRound(state: LogState, extend = true): Promise<WrittenRound | undefined> {
  const n = roundLength(state);
  if (n === 0) return undefined;
  assert(state.inFlight + n <= state.tail.length);
  // Appends from now on wait for a later round: they must not join a waiter this round resolves.
  state.openWaiter = undefined;
  const entries = state.tail.slice(state.inFlight, state.inFlight + n);
  const staged = state.tailFrames.slice(state.inFlight, state.inFlight + n);
  // With no round in flight the write cursor is the durable end; otherwise it follows that round.
  if (state.inFlight === 0) state.writeEnd = lastSegment(state).sizeBytes;
  state.inFlight += n;
  const groups: Group[] = [];
  let group: Group = { seg: lastSegment(state), position: state.writeEnd, entries: [], staged: [] };
  let from = 0;
  for (let i = 0; i < entries.length; i++) {
    const e = entries[i];
    assert(e !== undefined);
    const frameBytes = FRAME_HEADER_BYTES + e.data.byteLength;
    if (state.writeEnd > SEGMENT_HEADER_BYTES && state.writeEnd + frameBytes > state.segmentBytes) {
      if (group.entries.length > 0) groups.push(group);
      group.staged = staged.slice(from, i);
      await writeGroup(state, group, group.staged, state.writeEnd);
      from = i;
      const seg = await createSegment(state.ctx, state.dir, e.index);
      state.segments.push(seg);
      state.writeEnd = seg.sizeBytes;
      group = { seg, position: seg.sizeBytes, entries: [], staged: [] };
    }
    group.entries.push(e);
    state.writeEnd += frameBytes;
  }
  group.staged = staged.slice(from);
  if (extend) await preallocate(state, group.seg, state.writeEnd);
  await writeGroup(state, group, group.staged, undefined);
  groups.push(group);
  return { taken: n, groups };
}

/** How many unwritten tail entries the next round takes: at least one, then up to maxRoundBytes. */
function roundLength(state: LogState): number {
  let bytes = 0;
  let n = 0;
  while (state.inFlight + n < state.tail.length) {
    const e = state.tail[state.inFlight + n];
    assert(e !== undefined);
    if (n > 0 && bytes + e.data.byteLength > state.maxRoundBytes) break;
    bytes += e.data.byteLength;
    n++;
  }
  return n;
}

function lastSegment(state: LogState): Segment {
  const seg = state.segments[state.segments.length - 1];
  assert(seg !== undefined, 'a log always has a segment');
  return seg;
}

/** Segment writes are durable on their own with O_DSYNC (see StoreContext.dsync); else a round fdatasyncs. */
function needsDatasync(state: LogState): boolean {
  return state.ctx.fsync === 'always' && !state.ctx.dsync;
}

/**
 * Extends the last segment ahead of a round that writes up to `end` (prealloc.ts), before the
 * round's write, so that the round's own fdatasync (or O_DSYNC write, or the journal checkpoint's
 * segment fdatasync) makes the new size durable. A crash before that leaves a hole of zeros past
 * the frames, which recovery reads as the end of the log (row 14).
 */
async function preallocate(state: LogState, seg: Segment, end: number): Promise<void> {
  const target = preallocationTarget(seg.allocatedBytes, end, state.preallocateBytes, state.segmentBytes);
  if (target === undefined) return;
  seg.allocatedBytes = target;
  await state.ctx.io.truncate(seg.fd, target);
}

/**
 * Writes one segment's frames. A segment that is being left behind (`closingAt`: where its frames
 * end) is also trimmed to its frames and fdatasync'd now, even when this round adds no frame to it:
 * the previous round's fdatasync of it may still be running.
 */
async function writeGroup(state: LogState, group: Group, staged: Uint8Array[], closingAt: number | undefined): Promise<void> {
  if (group.entries.length > 0) {
    const fd = group.seg.fd;
    // The writev is on its way (libuv's pool) before the deferred CRCs are computed here.
    const writing = state.ctx.io.write(fd, frameBuffers(staged, group.entries), group.position);
    const headers = finishDeferredCrcs(staged, group.entries, group.position);
    await writing;
    if (headers.length > 0) await Promise.all(headers.map((h) => state.ctx.io.write(fd, [h.bytes], h.position)));
  }
  if (closingAt !== undefined) await leaveSegment(state, group.seg, closingAt);
}

/**
 * A segment stops being the last one: its preallocated hole is cut off and the cut made durable
 * BEFORE the next segment is created, so that only the last segment can ever end in zeros
 * (recovery row 14 applies to it alone; a non-last segment with a zero tail is corruption, row 6).
 * With O_DSYNC the frames are durable already, but a truncate is not: it still needs the fdatasync.
 */
async function leaveSegment(state: LogState, seg: Segment, end: number): Promise<void> {
  const trim = seg.allocatedBytes > end;
  if (trim) {
    await state.ctx.io.truncate(seg.fd, end);
    seg.allocatedBytes = end;
  }
  if (needsDatasync(state) || (trim && state.ctx.fsync === 'always')) {
    // The previous round's fdatasync of this segment may still run (pipelining): wait for it, so
    // the two never overlap (Segment.syncing). Its failure is that round's to report.
    await seg.syncing?.catch(() => undefined);
    await state.ctx.io.datasync(seg.fd);
  }
}

/**
 * A clean close trims the last segment's preallocated hole (durably with fsync 'always'), so that a
 * closed log's files are exactly its frames; after a crash recovery trims it instead (row 14).
 */
export async function trimOnClose(state: LogState): Promise<void> {
  const seg = lastSegment(state);
  if (seg.allocatedBytes <= seg.sizeBytes) return;
  await state.ctx.io.truncate(seg.fd, seg.sizeBytes);
  seg.allocatedBytes = seg.sizeBytes;
  if (state.ctx.fsync === 'always') await state.ctx.io.datasync(seg.fd);
}

/**
 * The journal part of the round the next writeRound will write, computed before it starts (no state
 * change), so that the store can write the journal while the segments are written: only for a round
 * that stays in the last segment and whose frames are final already (no CRC deferred to the write).
 * Otherwise undefined, and the journal follows the segment writes (journalParts).
 */
export function previewRound(state: LogState): JournalPart | undefined {
  const n = roundLength(state);
  if (n === 0) return undefined;
  const seg = lastSegment(state);
  // The position writeRound will take: the durable end, or the end of the round in flight.
  const position = state.inFlight === 0 ? seg.sizeBytes : state.writeEnd;
  const entries = state.tail.slice(state.inFlight, state.inFlight + n);
  let end = position;
  for (const e of entries) {
    const frameBytes = FRAME_HEADER_BYTES + e.data.byteLength;
    if (crcDeferred(e) || (end > SEGMENT_HEADER_BYTES && end + frameBytes > state.segmentBytes)) return undefined;
    end += frameBytes;
  }
  const buffers = writtenBytes(state.tailFrames.slice(state.inFlight, state.inFlight + n), entries);
  return { logId: state.logId, segmentBase: seg.baseIndex, segmentFd: seg.fd, position, buffers, bytes: end - position, fail: (err) => failLog(state, err) };
}

/** Whether a written round is the one previewRound described (the store asserts it). */
export function matchesPreview(round: WrittenRound, part: JournalPart): boolean {
  const g = round.groups[0];
  return round.groups.length === 1 && g !== undefined && g.position === part.position && g.seg.baseIndex === part.segmentBase;
}

/**
 * The round's segment writes as the store's journal records them: the bytes each writev put at its
 * position, final headers included (a deferred CRC was completed before writeGroup returned), as
 * views of the same buffers.
 */
export function journalParts(state: LogState, round: WrittenRound): JournalPart[] {
  const fail = (err: Error): void => failLog(state, err);
  return round.groups
    .filter((g) => g.entries.length > 0)
    .map((g) => {
      const buffers = writtenBytes(g.staged, g.entries);
      const bytes = g.entries.reduce((sum, e) => sum + FRAME_HEADER_BYTES + e.data.byteLength, 0);
      return { logId: state.logId, segmentBase: g.seg.baseIndex, segmentFd: g.seg.fd, position: g.position, buffers, bytes, fail };
    });
}

/**
 * Makes a written round durable (one fdatasync of its last segment; earlier ones were synced when
 * they filled up) and derives its index ops. `segmentSync` is false when the store's journal made
 * the round durable. Called in round order, after the previous round of this log completed, so
 * segment views and index points advance in log order.
 *
 * The ops are derived while the fdatasync is in flight (the event loop would idle meanwhile), not
 * after it: with many appenders that work (a few µs per entry) otherwise delays the next round's
 * fdatasync and the wake-ups. The segment's in-memory view may then run ahead of what is durable,
 * which no reader relies on: reads of durable entries stop at durableLastIndex (advanced only by
 * completeRound), an extra sparse point past it is never the nearest one below a durable entry, and
 * a failed fdatasync poisons the log.
 */
export async function syncRound(state: LogState, round: WrittenRound, segmentSync = true): Promise<RoundResult> {
  const last = round.groups[round.groups.length - 1];
  assert(last !== undefined && last.entries.length > 0, 'a written round has frames');
  const syncing = segmentSync && needsDatasync(state) ? trackSync(last.seg, state.ctx.io.datasync(last.seg.fd)) : undefined;
  let result: RoundResult;
  try {
    result = deriveIndexOps(state, round);
  } catch (err) {
    // Never leave the fdatasync's outcome unobserved.
    await syncing?.catch(() => undefined);
    throw err;
  }
  if (syncing !== undefined) await syncing;
  return result;
}

/** Records `sync` as the segment's running fdatasync until it settles (Segment.syncing). */
function trackSync(seg: Segment, sync: Promise<void>): Promise<void> {
  seg.syncing = sync;
  const clear = (): void => {
    if (seg.syncing === sync) seg.syncing = undefined;
  };
  sync.then(clear, clear);
  return sync;
}

function deriveIndexOps(state: LogState, round: WrittenRound): RoundResult {
  const first = round.groups[0]?.entries[0];
  const last = round.groups[round.groups.length - 1];
  assert(first !== undefined && last !== undefined);
  // The first entry of an empty log (new, or just after a snapshot) always gets a term key: the
  // snapshot's term lives in the meta record, not among the epoch's term runs that reopen loads.
  let term = first.index - 1 >= state.firstIndex ? (state.terms.at(first.index - 1) ?? 0) : NO_TERM;
  const ops: WalBatchOp[] = [];
  let nextOffset = state.durableNextOffset;
  closeLeftSegments(state, first.index, last.seg, ops);
  // One description reused for every frame (indexFrame keeps none of it): no object per entry.
  const frame: IndexedFrame = { index: 0, term: 0, type: 0, position: 0, length: 0, data: first.data, prevTerm: term };
  for (const g of round.groups) {
    let position = g.position;
    for (const e of g.entries) {
      frame.index = e.index;
      frame.term = e.term;
      frame.type = e.type;
      frame.position = position;
      frame.length = e.data.byteLength;
      frame.data = e.data;
      frame.prevTerm = term;
      const offsets = indexFrame(state, g.seg, frame, ops);
      if (offsets !== undefined) nextOffset = Math.max(nextOffset, offsets.lastOffset + 1);
      term = e.term;
      position += FRAME_HEADER_BYTES + e.data.byteLength;
    }
    g.seg.sizeBytes = position;
    if (g.seg !== last.seg) closeSegmentKeys(state, g.seg, ops);
  }
  return { ops, marker: markerOp(state, last.seg, last.seg.sizeBytes), trailing: trailingOf(last.seg), taken: round.taken, nextOffset };
}

/**
 * A round that starts in a new segment leaves the previous one behind without adding to it: its
 * unkeyed trailing record is keyed now (the pending one of the round before is replaced by this
 * round's, see completeRound). Only the segment before the round's first one can hold one: every
 * earlier segment was closed when it was left.
 */
function closeLeftSegments(state: LogState, firstIndex: number, lastSeg: Segment, ops: WalBatchOp[]): void {
  const i = findSegment(state.segments, firstIndex);
  const before = state.segments[i - 1];
  if (before !== undefined && before !== lastSeg) closeSegmentKeys(state, before, ops);
}

/**
 * The round's entries are durable: moves them out of the tail and queues their index ops. Their
 * appends are resolved separately (wakeDurable), so the store can start the next round's I/O first.
 */
export function completeRound(state: LogState, result: RoundResult): void {
  const done = state.tail.splice(0, result.taken);
  state.tailFrames.splice(0, result.taken);
  for (const e of done) state.tailBytes -= e.data.byteLength;
  for (const op of result.ops) state.pendingIndexOps.push(op);
  state.pendingMarker = result.marker;
  state.pendingTrailing = result.trailing;
  state.inFlight -= result.taken;
  assert(state.inFlight >= 0);
  const last = done[done.length - 1];
  if (last !== undefined) state.durableLastIndex = last.index;
  if (state.tail.length === 0) state.stage.reset();
  else state.stage.release(state.durableLastIndex);
  state.durableNextOffset = Math.max(state.durableNextOffset, result.nextOffset);
}

/** Resolves every append whose entries are durable. */
export function wakeDurable(state: LogState): void {
  const waiters = state.waiters;
  let n = 0;
  while (n < waiters.length && (waiters[n] as Waiter).lastIndex <= state.durableLastIndex) n++;
  if (n === 0) return;
  // One splice, not a shift per waiter: a round of many appenders wakes hundreds at once.
  for (const w of waiters.splice(0, n)) w.resolve();
}

/** Hands the pending index ops to the store's flush; returns what they cover once written. */
export function takeIndexOps(state: LogState): { ops: WalBatchOp[]; lastIndex: number; nextOffset: number } {
  const ops = state.pendingIndexOps;
  state.pendingIndexOps = [];
  // The latest marker covers every round pending before it: one per flush, not one per round (at a
  // single small entry per round the markers were most of the batch).
  if (state.pendingTrailing !== undefined) for (const op of trailingOps(state, state.pendingTrailing)) ops.push(op);
  if (state.pendingMarker !== undefined) ops.push(state.pendingMarker);
  state.pendingMarker = undefined;
  state.pendingTrailing = undefined;
  // Flushes run one at a time (the store chains them), so at most one set is in flight.
  state.flushingIndexOps = ops;
  return { ops, lastIndex: state.durableLastIndex, nextOffset: state.durableNextOffset };
}

export function indexFlushed(state: LogState, covered: { lastIndex: number; nextOffset: number }): void {
  state.indexedLastIndex = Math.max(state.indexedLastIndex, covered.lastIndex);
  state.indexedNextOffset = Math.max(state.indexedNextOffset, covered.nextOffset);
  state.flushingIndexOps = [];
}

/**
 * A failed write or fsync: the kernel may have dropped the dirty pages, so nothing written since the
 * last good sync can be trusted. Every waiter fails and the log refuses work until reopened.
 */
export function failLog(state: LogState, cause: unknown): void {
  const err = new WalFailedError(`log ${state.logId} failed; reopen to recover`, { cause });
  state.failed ??= err;
  state.inFlight = 0;
  state.log.error({ err: cause }, 'WAL write or fsync failed; the log is unusable until reopened');
  const waiters = state.waiters;
  state.waiters = [];
  state.openWaiter = undefined;
  for (const w of waiters) w.reject(err);
}
