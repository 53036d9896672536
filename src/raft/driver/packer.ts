import type { EncodeSink } from '../core/index.js';

/** Pieces up to this size are copied into the shared chunk; larger ones are passed as views. */
export const COPY_MAX_BYTES = 1024;
const CHUNK_BYTES = 16 * 1024;
const EMPTY = Buffer.alloc(0);

/**
 * Builds a list of buffers for one frame. Small pieces (item heads, compact heartbeats, codec
 * headers, small entries) are packed back to back into shared chunks; large payloads are passed
 * through as views, never copied. A frame of a thousand heartbeats is then one buffer instead of a
 * thousand: one iovec in the socket's writev and one CRC call in the transport instead of one per
 * piece, and no small allocation per item.
 *
 * Chunks are never reused: the transport may hold the returned buffers in its queue.
 */
export class Packer implements EncodeSink {
  private chunk: Buffer = EMPTY;
  /** A view of `chunk` for the core codec's in-place header writes (one per chunk). */
  private chunkView: DataView = new DataView(new ArrayBuffer(0));
  private runStart = 0;
  private used = 0;
  private readonly parts: Uint8Array[] = [];
  /** Bytes added so far. */
  bytes = 0;

  /**
   * Reserves `n` bytes in the current chunk and returns their offset in `buf` (read `buf` after
   * calling: a new chunk may have been started).
   */
  reserve(n: number): number {
    if (this.used + n > this.chunk.byteLength) this.newChunk(n);
    const at = this.used;
    this.used += n;
    this.bytes += n;
    return at;
  }

  get buf(): Buffer {
    return this.chunk;
  }

  /** `buf` as a DataView (read after `reserve`, like `buf`). */
  get view(): DataView {
    return this.chunkView;
  }

  /** Appends `b`: copied when small, else passed through as a view. */
  put(b: Uint8Array): void {
    if (b.byteLength <= COPY_MAX_BYTES) {
      const at = this.reserve(b.byteLength);
      this.chunk.set(b, at);
      return;
    }
    this.closeRun();
    this.parts.push(b);
    this.bytes += b.byteLength;
  }

  /** The buffers, in order. The packer must not be used afterwards. */
  finish(): Uint8Array[] {
    this.closeRun();
    return this.parts;
  }

  private closeRun(): void {
    if (this.used > this.runStart) this.parts.push(this.chunk.subarray(this.runStart, this.used));
    this.runStart = this.used;
  }

  private newChunk(n: number): void {
    this.closeRun();
    this.chunk = Buffer.allocUnsafe(Math.max(CHUNK_BYTES, n));
    this.chunkView = new DataView(this.chunk.buffer, this.chunk.byteOffset, this.chunk.byteLength);
    this.used = 0;
    this.runStart = 0;
  }
}
