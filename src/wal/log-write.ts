/**
 * One log's share of a group-commit round: the pending entries' frames (headers made at append
 * time, payloads as-is, never copied), one positional writev per segment, fdatasync, and the index
 * ops for the round.
 * The store writes every log's ops in one LevelDB batch and then completes the round.
 */
import type { LogState } from './log-state.js';
import type { WalBatchOp } from './context.js';
import type { Entry } from './entry.js';
import type { Segment } from './segment.js';
import { FRAME_HEADER_BYTES, SEGMENT_HEADER_BYTES } from './frame.js';
import { indexFrame, markerOp } from './indexer.js';
import { createSegment } from './segment-files.js';
import { WalFailedError } from './errors.js';
import { assert } from '../util/assert.js';

export interface RoundResult {
  ops: WalBatchOp[];
  taken: number;
  /** Next Kafka offset once this round is durable (unchanged when it had no batches). */
  nextOffset: number;
}

interface Group {
  seg: Segment;
  buffers: Uint8Array[];
  entries: Entry[];
}

interface Acc {
  ops: WalBatchOp[];
  nextOffset: number;
}

/** Never a real term: forces a term key for the next entry. */
const NO_TERM = -1;

export async function writeRound(state: LogState): Promise<RoundResult | undefined> {
  assert(state.inFlight === 0, 'one round at a time per log');
  const entries = state.tail.slice();
  const headers = state.tailHeaders.slice();
  if (entries.length === 0) return undefined;
  state.inFlight = entries.length;
  const acc: Acc = { ops: [], nextOffset: state.durableNextOffset };
  const first = entries[0];
  assert(first !== undefined);
  // The first entry of an empty log (new, or just after a snapshot) always gets a term key: the
  // snapshot's term lives in the meta record, not among the epoch's term runs that reopen loads.
  let prevTerm = first.index - 1 >= state.firstIndex ? (state.terms.at(first.index - 1) ?? 0) : NO_TERM;
  let seg = lastSegment(state);
  let group: Group = { seg, buffers: [], entries: [] };
  let end = seg.sizeBytes;
  for (let i = 0; i < entries.length; i++) {
    const e = entries[i];
    assert(e !== undefined);
    const frameBytes = FRAME_HEADER_BYTES + e.data.byteLength;
    if (end > SEGMENT_HEADER_BYTES && end + frameBytes > state.segmentBytes) {
      prevTerm = await writeGroup(state, group, acc, prevTerm);
      seg = await createSegment(state.ctx.io, state.dir, e.index, state.ctx.fsync === 'always');
      state.segments.push(seg);
      group = { seg, buffers: [], entries: [] };
      end = seg.sizeBytes;
    }
    const header = headers[i];
    assert(header !== undefined);
    group.buffers.push(header, e.data);
    group.entries.push(e);
    end += frameBytes;
  }
  await writeGroup(state, group, acc, prevTerm);
  acc.ops.push(markerOp(state, seg, seg.sizeBytes));
  return { ops: acc.ops, taken: entries.length, nextOffset: acc.nextOffset };
}

function lastSegment(state: LogState): Segment {
  const seg = state.segments[state.segments.length - 1];
  assert(seg !== undefined, 'a log always has a segment');
  return seg;
}

/** Writes and syncs one segment's frames, then derives their index entries. Returns the last term. */
async function writeGroup(state: LogState, group: Group, acc: Acc, prevTerm: number): Promise<number> {
  const { seg } = group;
  if (group.entries.length === 0) return prevTerm;
  await state.ctx.io.write(seg.fd, group.buffers, seg.sizeBytes);
  if (state.ctx.fsync === 'always') await state.ctx.io.datasync(seg.fd);
  let term = prevTerm;
  let position = seg.sizeBytes;
  for (const e of group.entries) {
    const frame = { index: e.index, term: e.term, type: e.type, position, length: e.data.byteLength, data: e.data, prevTerm: term };
    const offsets = indexFrame(state, seg, frame, acc.ops);
    if (offsets !== undefined) acc.nextOffset = Math.max(acc.nextOffset, offsets.lastOffset + 1);
    term = e.term;
    position += FRAME_HEADER_BYTES + e.data.byteLength;
  }
  seg.sizeBytes = position;
  return term;
}

/** The round's index batch is written: the entries are durable and indexed. */
export function completeRound(state: LogState, result: RoundResult): void {
  const done = state.tail.splice(0, result.taken);
  state.tailHeaders.splice(0, result.taken);
  for (const e of done) state.tailBytes -= e.data.byteLength;
  for (const op of result.ops) state.pendingIndexOps.push(op);
  state.inFlight = 0;
  const last = done[done.length - 1];
  if (last !== undefined) state.durableLastIndex = last.index;
  state.durableNextOffset = Math.max(state.durableNextOffset, result.nextOffset);
  while (state.waiters.length > 0) {
    const w = state.waiters[0];
    if (w === undefined || w.lastIndex > state.durableLastIndex) break;
    state.waiters.shift();
    w.resolve();
  }
}

/** Hands the pending index ops to the store's flush; returns what they cover once written. */
export function takeIndexOps(state: LogState): { ops: WalBatchOp[]; lastIndex: number; nextOffset: number } {
  const ops = state.pendingIndexOps;
  state.pendingIndexOps = [];
  return { ops, lastIndex: state.durableLastIndex, nextOffset: state.durableNextOffset };
}

export function indexFlushed(state: LogState, covered: { lastIndex: number; nextOffset: number }): void {
  state.indexedLastIndex = Math.max(state.indexedLastIndex, covered.lastIndex);
  state.indexedNextOffset = Math.max(state.indexedNextOffset, covered.nextOffset);
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
  for (const w of waiters) w.reject(err);
}
