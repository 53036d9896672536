/**
 * Reading entries out of segments, written once as a generator that yields positional read requests:
 * a synchronous driver (for the pure Raft core) and an async one (for fetch) run the same logic.
 */
import type { FileHandle, FileIO } from './file-io.js';
import type { Entry } from './entry.js';
import type { Segment } from './segment.js';
import { computeFrameCrc, decodeFrameHeader, FRAME_HEADER_BYTES, SEGMENT_HEADER_BYTES } from './frame.js';
import { WalCorruptionError } from './errors.js';

export interface ReadRequest {
  fd: FileHandle;
  position: number;
  length: number;
}

/** Big enough that small entries come in one read, small enough not to over-read for one entry. */
const CHUNK_BYTES = 256 * 1024;

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
  let need = CHUNK_BYTES;
  while (index < state.hi) {
    const seg = state.segments[segIdx];
    if (seg === undefined) return true;
    if (index > seg.lastIndex) {
      segIdx++;
      position = SEGMENT_HEADER_BYTES;
      continue;
    }
    const requested = need;
    const buf = yield { fd: seg.fd, position, length: requested };
    need = CHUNK_BYTES;
    let off = 0;
    while (index <= seg.lastIndex && index < state.hi) {
      const h = decodeFrameHeader(buf, off);
      if (h === undefined) break;
      if (h.index !== index) throw corrupt(state, seg, position + off, `expected entry ${index}, found ${h.index}`);
      const frameBytes = FRAME_HEADER_BYTES + h.length;
      if (index >= state.lo) {
        if (off + frameBytes > buf.byteLength) {
          if (buf.byteLength < requested) throw corrupt(state, seg, position + off, 'frame runs past the end of the segment');
          need = Math.max(CHUNK_BYTES, frameBytes);
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
    if (off === 0 && need === CHUNK_BYTES) throw corrupt(state, seg, position, 'short read inside the durable part of a segment');
  }
  return true;
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

export async function runAsync<T>(gen: Generator<ReadRequest, T, Uint8Array>, io: FileIO): Promise<T> {
  let step = gen.next(new Uint8Array(0));
  while (step.done !== true) {
    const req = step.value;
    const buf = Buffer.allocUnsafe(req.length);
    const n = await io.read(req.fd, buf, req.position);
    step = gen.next(buf.subarray(0, n));
  }
  return step.value;
}
