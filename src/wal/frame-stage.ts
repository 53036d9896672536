/**
 * Where a log's frames are built at append time, before a round writes them. Frame headers are
 * carved out of shared chunks (no small allocation per entry), and a small payload is copied right
 * behind its header, so consecutive small frames are contiguous bytes: a round writes them with a
 * few large iovecs instead of two per entry (the writev binding's per-buffer cost and the garbage of
 * one tiny array per header were a fifth of the CPU at 1 KiB entries). Large payloads are never
 * copied: their header is staged alone and the payload goes into the writev list beside it.
 */
import { encodeFrameFieldsInto, encodeFrameHeaderInto, FRAME_HEADER_BYTES, frameCrcDerived, putFrameCrc } from './frame.js';

/** Payloads up to this size are copied behind their header; larger ones are written in place. */
export const COPY_MAX_BYTES = 4096;
/**
 * Payloads from this size get their CRC while their bytes are being written (see
 * finishDeferredCrcs): at ~5.8 GB/s a 1 MiB CRC is ~0.18 ms of event loop, ~15 % of a lone 1 MiB
 * append's write + fdatasync when done before the write. Below this the CRC costs less than the
 * extra header write that deferring needs.
 */
export const DEFER_CRC_MIN_BYTES = 256 * 1024;
/**
 * Written where a deferred frame's header goes until its CRC is known. All zeros: a crash before
 * the real header lands leaves a frame whose magic is wrong, which recovery cuts as a torn tail
 * (it lies in the last, unsynced round). Never written to.
 */
const PLACEHOLDER_HEADER = new Uint8Array(FRAME_HEADER_BYTES);

/** What the frame functions need of an entry. */
export interface FramedPayload {
  type: number;
  data: Uint8Array;
}

/**
 * Whether the entry's frame CRC waits for the write. Not for a Kafka batch whose frame CRC is
 * derived from its stored CRC (frame.ts derivedFrameCrc): that costs microseconds, so its header is
 * final when staged and needs no second write.
 */
export function crcDeferred(e: FramedPayload): boolean {
  return e.data.byteLength >= DEFER_CRC_MIN_BYTES && !frameCrcDerived(e);
}
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

/** Spare full-size chunks a store keeps for its logs' stages, at most (4 MiB). */
export const DEFAULT_SPARE_CHUNKS = 64;

/**
 * Full-size chunks whose frames were all written and completed, shared by a store's logs: a log
 * whose round spans several chunks takes them from here instead of allocating (a 64 KiB
 * allocUnsafeSlow per 62 frames of 1 KiB, and the external memory that made V8 collect more
 * often). Bounded; chunks beyond the bound are left to the collector.
 */
export class ChunkPool {
  private readonly spare: Buffer[] = [];

  constructor(private readonly maxChunks = DEFAULT_SPARE_CHUNKS) {}

  take(): Buffer | undefined {
    return this.spare.pop();
  }

  give(chunk: Buffer): void {
    if (chunk.byteLength === MAX_CHUNK_BYTES && this.spare.length < this.maxChunks) this.spare.push(chunk);
  }

  get size(): number {
    return this.spare.length;
  }
}

/** A chunk left behind full, and the last entry staged in it: free once that entry is durable. */
interface Retired {
  chunk: Buffer;
  lastIndex: number;
}

/**
 * One per log. A full chunk is left to the frames staged in it and a new, larger one is started
 * (from the pool when it is full-size); the full one goes back to the pool once the last entry
 * staged in it is durable (release). When no staged frame is pending any more, the current chunk
 * is reused from its start.
 */
export class FrameStage {
  private chunk: Buffer | undefined;
  private used = 0;
  /** Index of the last entry staged in the current chunk. */
  private chunkLastIndex = 0;
  /** Full chunks whose frames may still be pending, oldest first. */
  private readonly retired: Retired[] = [];

  constructor(private readonly pool: ChunkPool = new ChunkPool(0)) {}

  /**
   * Builds the entry's frame header (CRC included). Returns the staged bytes: the whole frame when
   * the payload was copied, else just the header (the payload must then be written after it).
   */
  stage(e: StagedEntry): Uint8Array {
    const copy = e.data.byteLength <= COPY_MAX_BYTES;
    const bytes = FRAME_HEADER_BYTES + (copy ? e.data.byteLength : 0);
    let chunk = this.chunk;
    if (chunk === undefined || this.used + bytes > chunk.byteLength) {
      chunk = this.nextChunk(chunk, bytes);
      this.chunk = chunk;
      this.used = 0;
    }
    this.chunkLastIndex = e.index;
    const at = this.used;
    this.used += bytes;
    if (crcDeferred(e)) encodeFrameFieldsInto(chunk, at, e);
    else encodeFrameHeaderInto(chunk, at, e);
    if (copy) chunk.set(e.data, at + FRAME_HEADER_BYTES);
    // A plain view: Buffer#subarray costs noticeably more per call on this path.
    return new Uint8Array(chunk.buffer, chunk.byteOffset + at, bytes);
  }

  /** Leaves the current chunk (if any) to its pending frames and starts the next one. */
  private nextChunk(full: Buffer | undefined, bytes: number): Buffer {
    if (full !== undefined) this.retired.push({ chunk: full, lastIndex: this.chunkLastIndex });
    const size = Math.max(full === undefined ? FIRST_CHUNK_BYTES : Math.min(MAX_CHUNK_BYTES, 2 * full.byteLength), bytes);
    return (size === MAX_CHUNK_BYTES ? this.pool.take() : undefined) ?? Buffer.allocUnsafeSlow(size);
  }

  /** Entries up to `durableIndex` are written and completed: the chunks holding only those are free. */
  release(durableIndex: number): void {
    let n = 0;
    while (n < this.retired.length && (this.retired[n] as Retired).lastIndex <= durableIndex) this.pool.give((this.retired[n++] as Retired).chunk);
    if (n > 0) this.retired.splice(0, n);
  }

  /**
   * Every staged frame has been written and completed: their bytes may be overwritten. A chunk
   * that this cycle barely used is dropped (to the pool), so a log whose burst is over shrinks back.
   */
  reset(): void {
    for (const r of this.retired) this.pool.give(r.chunk);
    this.retired.length = 0;
    if (this.chunk !== undefined && this.chunk.byteLength > FIRST_CHUNK_BYTES && this.used < this.chunk.byteLength / 4) {
      this.pool.give(this.chunk);
      this.chunk = undefined;
    }
    this.used = 0;
  }
}

/**
 * The writev list for staged frames: each staged part, followed by its payload when that was not
 * copied; runs of parts that are adjacent in one chunk become one view. A frame whose CRC is
 * deferred gets the placeholder header: its real header is still being completed while this list
 * is written, and is written on its own afterwards (finishDeferredCrcs).
 */
export function frameBuffers(staged: readonly Uint8Array[], entries: readonly FramedPayload[]): Uint8Array[] {
  const out: Uint8Array[] = [];
  let run: Uint8Array | undefined;
  let runEnd = 0;
  const flush = (): void => {
    if (run !== undefined) out.push(new Uint8Array(run.buffer, run.byteOffset, runEnd - run.byteOffset));
    run = undefined;
  };
  for (let i = 0; i < staged.length; i++) {
    const e = entries[i] as FramedPayload;
    const data = e.data;
    const part = crcDeferred(e) ? PLACEHOLDER_HEADER : (staged[i] as Uint8Array);
    if (run !== undefined && part.buffer === run.buffer && part.byteOffset === runEnd) runEnd += part.byteLength;
    else {
      flush();
      run = part;
      runEnd = part.byteOffset + part.byteLength;
    }
    if (data.byteLength > COPY_MAX_BYTES) {
      flush();
      out.push(data);
    }
  }
  flush();
  return out;
}

/** A completed header and where in the segment it goes. */
export interface DeferredHeader {
  bytes: Uint8Array;
  position: number;
}

/**
 * Computes the deferred CRCs of frames whose writev (frameBuffers, placeholders in their headers'
 * place) was issued from `position`: the CRC runs on the event loop while libuv's pool copies the
 * payloads into the page cache, instead of before. Returns the headers to write next; the round's
 * fdatasync must come after those writes.
 */
export function finishDeferredCrcs(staged: readonly Uint8Array[], entries: readonly FramedPayload[], position: number): DeferredHeader[] {
  const out: DeferredHeader[] = [];
  let at = position;
  for (let i = 0; i < entries.length; i++) {
    const e = entries[i] as FramedPayload;
    if (crcDeferred(e)) {
      const header = staged[i] as Uint8Array;
      putFrameCrc(header, 0, e);
      out.push({ bytes: header, position: at });
    }
    at += FRAME_HEADER_BYTES + e.data.byteLength;
  }
  return out;
}
