/**
 * Reads: entries by index (sync over in-memory sparse points, async over LevelDB seeks). Entries not
 * yet durable are served from memory. The queries by Kafka offset and timestamp are in log-lookup.ts.
 */
import type { LogState } from './log-state.js';
import type { Entry } from './entry.js';
import { readU64At } from './keys.js';
import { findSegment, nearestPoint } from './segment.js';
import { readSegments, runAsync, runSync, type ReadAlloc, type ReadState } from './reader.js';
import { SEGMENT_HEADER_BYTES } from './frame.js';
import { WalCompactedError } from './errors.js';
import { assert } from '../util/assert.js';

function checkRange(state: LogState, lo: number, hi: number): void {
  if (lo < state.firstIndex) throw new WalCompactedError(lo, state.firstIndex);
  assert(lo <= hi && hi <= state.lastIndex + 1, `read [${lo}, ${hi}) outside [${state.firstIndex}, ${state.lastIndex + 1})`);
}

function newReadState(state: LogState, lo: number, hi: number, maxBytes: number): ReadState {
  return { logId: state.logId, segments: state.segments, lo, hi, maxBytes, out: [], bytes: 0 };
}

/** Takes entries from the in-memory tail; false when the byte budget stopped it. */
function readTail(state: LogState, rs: ReadState, from: number): boolean {
  const base = state.durableLastIndex + 1;
  for (let i = from; i < rs.hi; i++) {
    const e = state.tail[i - base];
    if (e === undefined) return true;
    if (rs.out.length > 0 && rs.bytes + e.data.byteLength > rs.maxBytes) return false;
    rs.out.push(e);
    rs.bytes += e.data.byteLength;
  }
  return true;
}

function nextWanted(rs: ReadState): number {
  const last = rs.out[rs.out.length - 1];
  return last === undefined ? rs.lo : last.index + 1;
}

export function readSync(state: LogState, lo: number, hi: number, maxBytes: number): Entry[] {
  checkRange(state, lo, hi);
  const rs = newReadState(state, lo, hi, maxBytes);
  if (lo <= state.durableLastIndex && lo < hi) {
    const segIdx = findSegment(state.segments, lo);
    const seg = state.segments[segIdx];
    assert(seg !== undefined, `no segment holds ${lo}`);
    const p = nearestPoint(seg, lo, SEGMENT_HEADER_BYTES);
    rs.hi = Math.min(hi, state.durableLastIndex + 1);
    if (!runSync(readSegments(rs, { segIdx, index: p.index, position: p.position }), state.ctx.io)) return rs.out;
    rs.hi = hi;
  }
  readTail(state, rs, nextWanted(rs));
  return rs.out;
}

export async function read(state: LogState, lo: number, hi: number, maxBytes: number, alloc?: ReadAlloc): Promise<Entry[]> {
  checkRange(state, lo, hi);
  const rs = newReadState(state, lo, hi, maxBytes);
  // Rounds may complete while we await: re-check where the durable/in-memory boundary is each pass.
  for (let pass = 0; pass < 8; pass++) {
    const next = nextWanted(rs);
    if (next >= hi) return rs.out;
    if (next > state.durableLastIndex) {
      const before = rs.out.length;
      // The tail runs to lastIndex, so taking anything from it means we reached hi or the budget.
      if (!readTail(state, rs, next) || rs.out.length > before) return rs.out;
      continue;
    }
    rs.lo = next;
    rs.hi = Math.min(hi, state.durableLastIndex + 1);
    const start = await seekPoint(state, next);
    const more = await runAsync(readSegments(rs, start), state.ctx.io, alloc);
    rs.hi = hi;
    if (!more) return rs.out;
  }
  return rs.out;
}

/** One LevelDB seek: the sparse index point at or before `index`. */
async function seekPoint(state: LogState, index: number): Promise<{ segIdx: number; index: number; position: number }> {
  if (index > state.indexedLastIndex) return memoryPoint(state, index);
  const { keys, epoch } = state;
  const range = keys.kindRange(epoch, 'i');
  for await (const [key, value] of state.ctx.db.iterator({ gte: range.gte, lte: keys.derived(epoch, 'i', index), reverse: true, limit: 1 })) {
    const segIdx = state.segments.findIndex((s) => s.baseIndex === readU64At(value, 0));
    if (segIdx >= 0) return { segIdx, index: keys.n1(key), position: readU64At(value, 1) };
  }
  return memoryPoint(state, index);
}

/** The same point from the in-memory copy (for entries whose index keys are not flushed yet). */
function memoryPoint(state: LogState, index: number): { segIdx: number; index: number; position: number } {
  const segIdx = findSegment(state.segments, index);
  const seg = state.segments[segIdx];
  assert(seg !== undefined, `no segment holds ${index}`);
  const p = nearestPoint(seg, index, SEGMENT_HEADER_BYTES);
  return { segIdx, index: p.index, position: p.position };
}
