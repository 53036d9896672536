/**
 * Where a log's frames are built at append time, before a round writes them. Frame headers are
 * carved out of shared chunks (no small allocation per entry), and a small payload is copied right
 * behind its header, so consecutive small frames are contiguous bytes: a round writes them with a
 * few large iovecs instead of two per entry (the writev binding's per-buffer cost and the garbage of
 * one tiny array per header were a fifth of the CPU at 1 KiB entries). Large payloads are never
 * copied: their header is staged alone and the payload goes into the writev list beside it.
 */
import { encodeFrameHeaderInto, FRAME_HEADER_BYTES } from './frame.js';

/** Payloads up to this size are copied behind their header; larger ones are written in place. */
export const COPY_MAX_BYTES = 4096;
/**
 * Chunks start small and double up to this. A log keeps its current chunk between rounds, so this
 * bounds what an idle log holds (64 KiB × 1000 partitions = 64 MiB at worst, after a burst).
 */
const FIRST_CHUNK_BYTES = 4096;
const MAX_CHUNK_BYTES = 64 * 1024;

export interface StagedEntry {
  index: number;
  term: number;
  type: number;
  data: Uint8Array;
}

/**
 * One per log. A full chunk is left to the frames staged in it (it is collected once they are
 * written and completed) and a new, larger one is started; when no staged frame is pending any
 * more, the current chunk is reused from its start.
 */
export class FrameStage {
  private chunk: Buffer | undefined;
  private used = 0;

  /**
   * Builds the entry's frame header (CRC included). Returns the staged bytes: the whole frame when
   * the payload was copied, else just the header (the payload must then be written after it).
   */
  stage(e: StagedEntry): Uint8Array {
    const copy = e.data.byteLength <= COPY_MAX_BYTES;
    const bytes = FRAME_HEADER_BYTES + (copy ? e.data.byteLength : 0);
    let chunk = this.chunk;
    if (chunk === undefined || this.used + bytes > chunk.byteLength) {
      const size = chunk === undefined ? FIRST_CHUNK_BYTES : Math.min(MAX_CHUNK_BYTES, 2 * chunk.byteLength);
      chunk = Buffer.allocUnsafeSlow(Math.max(size, bytes));
      this.chunk = chunk;
      this.used = 0;
    }
    const at = this.used;
    this.used += bytes;
    encodeFrameHeaderInto(chunk, at, e);
    if (copy) chunk.set(e.data, at + FRAME_HEADER_BYTES);
    // A plain view: Buffer#subarray costs noticeably more per call on this path.
    return new Uint8Array(chunk.buffer, chunk.byteOffset + at, bytes);
  }

  /**
   * Every staged frame has been written and completed: their bytes may be overwritten. A chunk
   * that this cycle barely used is dropped, so a log whose burst is over shrinks back.
   */
  reset(): void {
    if (this.chunk !== undefined && this.chunk.byteLength > FIRST_CHUNK_BYTES && this.used < this.chunk.byteLength / 4) this.chunk = undefined;
    this.used = 0;
  }
}

/**
 * The writev list for staged frames: each staged part, followed by its payload when that was not
 * copied; runs of parts that are adjacent in one chunk become one view.
 */
export function frameBuffers(staged: readonly Uint8Array[], payloads: readonly Uint8Array[]): Uint8Array[] {
  const out: Uint8Array[] = [];
  let run: Uint8Array | undefined;
  let runEnd = 0;
  const flush = (): void => {
    if (run !== undefined) out.push(new Uint8Array(run.buffer, run.byteOffset, runEnd - run.byteOffset));
    run = undefined;
  };
  for (let i = 0; i < staged.length; i++) {
    const part = staged[i] as Uint8Array;
    if (run !== undefined && part.buffer === run.buffer && part.byteOffset === runEnd) runEnd += part.byteLength;
    else {
      flush();
      run = part;
      runEnd = part.byteOffset + part.byteLength;
    }
    const data = payloads[i] as Uint8Array;
    if (data.byteLength > COPY_MAX_BYTES) {
      flush();
      out.push(data);
    }
  }
  flush();
  return out;
}
