/**
 * Reading entries out of segments, written once as a generator that yields positional read requests:
 * a synchronous driver (for the pure Raft core) and an async one (for fetch) run the same logic.
 */
import type { FileHandle, FileIO } from './file-io.js';
import type { Entry } from './entry.js';
import { nearestPoint, type Segment } from './segment.js';
import { computeFrameCrc, decodeFrameHeader, FRAME_HEADER_BYTES, SEGMENT_HEADER_BYTES } from './frame.js';
import { WalCorruptionError } from './errors.js';

export interface ReadRequest {
  fd: FileHandle;
  position: number;
  length: number;
}

/** The smallest read: a scan over small frames is one read, not one per frame. */
const MIN_READ_BYTES = 64 * 1024;
/** The largest read (one allocation), whatever the caller's budget. */
const MAX_READ_BYTES = 16 * 1024 * 1024;

export interface ReadState {
  logId: string;
  segments: readonly Segment[];
  lo: number;
  hi: number;
  maxBytes: number;
  out: Entry[];
  bytes: number;
}

/**
 * Appends entries [lo, hi) found on disk to `state.out`, scanning from a known frame (segment
 * `segIdx`, entry `index` at `position`). Stops at the byte budget (always returning at least one
 * entry) or at the last durable entry. Returns false when the budget stopped it.
 */
export function* readSegments(
  state: ReadState,
  start: { segIdx: number; index: number; position: number },
): Generator<ReadRequest, boolean, Uint8Array> {
  let { segIdx, index, position } = start;
  /** Bytes of a frame that did not fit the last read (0: none). */
  let need = 0;
  while (index < state.hi) {
    // Past the budget, no further frame (not even an empty one) can be taken: spare the read.
    if (state.out.length > 0 && state.bytes > state.maxBytes) return false;
    const seg = state.segments[segIdx];
    if (seg === undefined) return true;
    if (index > seg.lastIndex) {
      segIdx++;
      position = SEGMENT_HEADER_BYTES;
      continue;
    }
    const requested = readLength(state, seg, position, need);
    const buf = yield { fd: seg.fd, position, length: requested };
    need = 0;
    let off = 0;
    while (index <= seg.lastIndex && index < state.hi) {
      const h = decodeFrameHeader(buf, off);
      if (h === undefined) break;
      if (h.index !== index) throw corrupt(state, seg, position + off, `expected entry ${index}, found ${h.index}`);
      const frameBytes = FRAME_HEADER_BYTES + h.length;
      if (index >= state.lo) {
        if (off + frameBytes > buf.byteLength) {
          if (buf.byteLength < requested) throw corrupt(state, seg, position + off, 'frame runs past the end of the segment');
          need = frameBytes;
          break;
        }
        if (state.out.length > 0 && state.bytes + h.length > state.maxBytes) return false;
        const crc = computeFrameCrc(buf, off, h.length);
        if (crc !== h.crc) throw corrupt(state, seg, position + off, 'CRC mismatch on read', h.crc, crc, index);
        const dataAt = off + FRAME_HEADER_BYTES;
        state.out.push({ index, term: h.term, type: h.type, data: buf.subarray(dataAt, dataAt + h.length) });
        state.bytes += h.length;
      }
      off += frameBytes;
      index++;
      if (off > buf.byteLength) break;
    }
    position += off;
    if (off === 0 && need === 0) throw corrupt(state, seg, position, 'short read inside the durable part of a segment');
  }
  return true;
}

/**
 * How much to read at `position`: the frames before `hi` (the sparse index point at or before `hi`
 * bounds where they end) within the caller's remaining byte budget, so a fetch of many frames is
 * one read (one thread-pool hop, one buffer) instead of one per fixed-size chunk. Never less than
 * a frame known not to fit the last read; bounded above so one allocation stays bounded.
 */
function readLength(state: ReadState, seg: Segment, position: number, need: number): number {
  const end = state.hi > seg.lastIndex ? seg.sizeBytes : pointAtOrBefore(seg, state.hi) + MIN_READ_BYTES;
  // Slack for frame headers and the frames between `position` and `lo`.
  const budget = state.maxBytes - state.bytes + MIN_READ_BYTES;
  return Math.max(need, MIN_READ_BYTES, Math.min(end - position, budget, MAX_READ_BYTES));
}

function pointAtOrBefore(seg: Segment, index: number): number {
  return nearestPoint(seg, index, SEGMENT_HEADER_BYTES).position;
}

function corrupt(
  state: ReadState,
  seg: Segment,
  position: number,
  reason: string,
  expectedCrc?: number,
  actualCrc?: number,
  index?: number,
): WalCorruptionError {
  return new WalCorruptionError({
    logId: state.logId,
    segment: seg.path,
    position,
    reason,
    ...(expectedCrc === undefined ? {} : { expectedCrc }),
    ...(actualCrc === undefined ? {} : { actualCrc }),
    ...(index === undefined ? {} : { index }),
  });
}

export function runSync<T>(gen: Generator<ReadRequest, T, Uint8Array>, io: FileIO): T {
  let step = gen.next(new Uint8Array(0));
  while (step.done !== true) {
    const req = step.value;
    const buf = Buffer.allocUnsafe(req.length);
    const n = io.readSync(req.fd, buf, req.position);
    step = gen.next(buf.subarray(0, n));
  }
  return step.value;
}

/** Where a read's bytes go: a fresh buffer of `bytes`, unless the caller lends its own (see `WalLog.read`). */
export type ReadAlloc = (bytes: number) => Buffer;

const freshBuffer: ReadAlloc = (bytes) => Buffer.allocUnsafe(bytes);

export async function runAsync<T>(gen: Generator<ReadRequest, T, Uint8Array>, io: FileIO, alloc: ReadAlloc = freshBuffer): Promise<T> {
  let step = gen.next(new Uint8Array(0));
  while (step.done !== true) {
    const req = step.value;
    const buf = alloc(req.length);
    const n = await io.read(req.fd, buf, req.position);
    step = gen.next(buf.subarray(0, n));
  }
  return step.value;
}
