import { FrameTooLargeError } from './errors.js';

/**
 * Splits a TCP byte stream into 4-byte size-prefixed frames. A frame that lies within one received
 * chunk is returned as a view of it. A frame spanning chunks is assembled in a buffer allocated
 * once its size is known (and checked against the limit), and each later chunk is copied into it
 * as it arrives, not when the frame is complete.
 *
 * Why as it arrives: the copy then reads a chunk the kernel has just written (still in the CPU's
 * caches), and the chunk becomes garbage at once. Held until its frame was complete (16 chunks of
 * 64 KiB for a 1 MiB Produce request), a chunk often outlived a scavenge and was freed only by a
 * full mark-compact, whose pace V8 sets by such external bytes.
 *
 * Buffered bytes never exceed one frame plus one chunk.
 */
export class FrameDecoder {
  private readonly maxFrameBytes: number;
  private chunks: Buffer[] = [];
  private buffered = 0;
  /** The frame being assembled, while its bytes arrive; `chunks` is empty meanwhile. */
  private partial: Buffer | undefined;
  private filled = 0;

  constructor(maxFrameBytes: number) {
    this.maxFrameBytes = maxFrameBytes;
  }

  push(chunk: Buffer): void {
    const rest = this.partial === undefined ? chunk : this.fill(this.partial, chunk);
    if (rest.length === 0) return;
    this.chunks.push(rest);
    this.buffered += rest.length;
  }

  bufferedBytes(): number {
    return this.buffered + this.filled;
  }

  /** The next complete frame's payload, or undefined if more bytes are needed. */
  next(): Buffer | undefined {
    if (this.partial !== undefined) return this.takePartial(this.partial);
    if (this.buffered < 4) return undefined;
    const size = this.peekSize();
    if (size < 0 || size > this.maxFrameBytes) {
      throw new FrameTooLargeError(`frame of ${size} bytes exceeds the limit of ${this.maxFrameBytes}`);
    }
    const first = this.chunks[0] as Buffer;
    if (first.length >= 4 + size) {
      const frame = first.subarray(4, 4 + size);
      this.consume(4 + size);
      return frame;
    }
    this.consume(4);
    this.partial = Buffer.allocUnsafe(size);
    this.filled = 0;
    const held = this.chunks;
    this.chunks = [];
    this.buffered = 0;
    // The frame starts within what is buffered (it does not fit the first chunk); what follows it,
    // if the stream already holds its end, goes back to `chunks`.
    for (const c of held) this.push(c);
    return this.takePartial(this.partial);
  }

  private takePartial(partial: Buffer): Buffer | undefined {
    if (this.filled < partial.length) return undefined;
    this.partial = undefined;
    this.filled = 0;
    return partial;
  }

  /** Copies what `chunk` holds of the partial frame; returns the bytes past its end. */
  private fill(partial: Buffer, chunk: Buffer): Buffer {
    const n = Math.min(chunk.length, partial.length - this.filled);
    chunk.copy(partial, this.filled, 0, n);
    this.filled += n;
    return chunk.subarray(n);
  }

  private peekSize(): number {
    const first = this.chunks[0] as Buffer;
    if (first.length >= 4) return first.readInt32BE(0);
    const head = Buffer.allocUnsafe(4);
    let filled = 0;
    for (const c of this.chunks) {
      filled += c.copy(head, filled, 0, Math.min(c.length, 4 - filled));
      if (filled === 4) break;
    }
    return head.readInt32BE(0);
  }

  private consume(n: number): void {
    let left = n;
    while (left > 0) {
      const c = this.chunks[0] as Buffer;
      if (c.length <= left) {
        this.chunks.shift();
        left -= c.length;
      } else {
        this.chunks[0] = c.subarray(left);
        left = 0;
      }
    }
    this.buffered -= n;
  }
}
