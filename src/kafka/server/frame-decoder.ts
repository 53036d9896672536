import { FrameTooLargeError } from './errors.js';

/**
 * Splits a TCP byte stream into 4-byte size-prefixed frames. A frame that lies within one received
 * chunk is returned as a view of it; only a frame spanning chunks is copied, into a buffer whose
 * size was checked against the limit first. Buffered bytes never exceed one frame plus one chunk.
 */
export class FrameDecoder {
  private readonly maxFrameBytes: number;
  private chunks: Buffer[] = [];
  private buffered = 0;

  constructor(maxFrameBytes: number) {
    this.maxFrameBytes = maxFrameBytes;
  }

  push(chunk: Buffer): void {
    if (chunk.length === 0) return;
    this.chunks.push(chunk);
    this.buffered += chunk.length;
  }

  bufferedBytes(): number {
    return this.buffered;
  }

  /** The next complete frame's payload, or undefined if more bytes are needed. */
  next(): Buffer | undefined {
    if (this.buffered < 4) return undefined;
    const size = this.peekSize();
    if (size < 0 || size > this.maxFrameBytes) {
      throw new FrameTooLargeError(`frame of ${size} bytes exceeds the limit of ${this.maxFrameBytes}`);
    }
    if (this.buffered < 4 + size) return undefined;
    const first = this.chunks[0] as Buffer;
    if (first.length >= 4 + size) {
      const frame = first.subarray(4, 4 + size);
      this.consume(4 + size);
      return frame;
    }
    this.consume(4);
    const frame = Buffer.allocUnsafe(size);
    let filled = 0;
    while (filled < size) {
      const c = this.chunks[0] as Buffer;
      const n = Math.min(c.length, size - filled);
      c.copy(frame, filled, 0, n);
      filled += n;
      this.consume(n);
    }
    return frame;
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
