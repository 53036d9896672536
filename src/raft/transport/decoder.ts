import { assert } from '../../util/assert.js';
import { FRAME_HEADER_BYTES, FrameKind, frameCrc, type FrameKindValue, type FrameSink } from './codec.js';
import { FrameError } from './errors.js';

const KNOWN_KINDS: ReadonlySet<number> = new Set(Object.values(FrameKind));

/**
 * Incremental decoder for the frame layout documented in codec.ts. `push` feeds one received chunk
 * and calls the sink for every complete frame, in order; it throws FrameError on the first frame
 * that is oversized, corrupt or malformed, after which the decoder must be discarded with its
 * connection.
 *
 * A frame's payload is handed out as the views of the chunks it arrived in (one view when it lies
 * in one chunk), never copied: replication frames are hundreds of KiB and socket reads at most
 * 64 KiB, so joining them copied nearly every byte received once more (4-6 % of a node's CPU under
 * replication load, 2026-11-28). The CRC is computed over the views in order.
 */
export class FrameDecoder {
  /** Received chunks not yet consumed; `chunks[first]` is consumed up to `offset`. */
  private chunks: Buffer[] = [];
  private first = 0;
  private offset = 0;
  private buffered = 0;
  private maxPayloadBytes: number;

  constructor(maxPayloadBytes: number) {
    assert(Number.isInteger(maxPayloadBytes) && maxPayloadBytes >= 0, 'maxPayloadBytes must be a non-negative integer');
    this.maxPayloadBytes = maxPayloadBytes;
  }

  /** The limit may change mid-stream (it is small until the handshake has authenticated the peer). */
  setMaxPayloadBytes(maxPayloadBytes: number): void {
    assert(Number.isInteger(maxPayloadBytes) && maxPayloadBytes >= 0, 'maxPayloadBytes must be a non-negative integer');
    this.maxPayloadBytes = maxPayloadBytes;
  }

  /** Bytes received but not yet delivered as frames (bounded by the limit plus one chunk). */
  bufferedBytes(): number {
    return this.buffered;
  }

  push(chunk: Buffer, sink: FrameSink): void {
    if (chunk.byteLength === 0) return;
    this.chunks.push(chunk);
    this.buffered += chunk.byteLength;
    // Each iteration consumes one whole frame, so the loop is bounded by the bytes buffered.
    while (this.buffered >= FRAME_HEADER_BYTES) {
      const header = this.peek(FRAME_HEADER_BYTES);
      const length = header.readUInt32BE(0);
      // Checked before waiting for (and so before buffering) the payload.
      if (length > this.maxPayloadBytes) {
        throw new FrameError('oversize', `frame of ${length} bytes exceeds the limit of ${this.maxPayloadBytes}`);
      }
      if (this.buffered < FRAME_HEADER_BYTES + length) return;
      const crc = header.readUInt32BE(4);
      const kind = header.readUInt8(8);
      this.skip(FRAME_HEADER_BYTES);
      const parts = this.take(length);
      if (frameCrc(kind, parts) !== crc) throw new FrameError('crc', `CRC-32C mismatch on a ${length}-byte frame`);
      if (!KNOWN_KINDS.has(kind)) throw new FrameError('malformed', `unknown frame kind ${kind}`);
      sink(kind as FrameKindValue, parts);
    }
  }

  /** The next `n` bytes without consuming them (a view when they lie in one chunk). */
  private peek(n: number): Buffer {
    const head = this.chunks[this.first];
    assert(head !== undefined, 'peek past buffered data');
    if (head.byteLength - this.offset >= n) return head.subarray(this.offset, this.offset + n);
    return this.gather(n);
  }

  /** Consumes the next `n` bytes and returns them as views of the chunks they lie in, in order. */
  private take(n: number): Buffer[] {
    const parts: Buffer[] = [];
    this.consume(n, parts);
    return parts;
  }

  /** A copy of the next `n` bytes (a frame header split between two chunks). */
  private gather(n: number): Buffer {
    assert(n <= this.buffered, 'gather past buffered data');
    const out = Buffer.allocUnsafe(n);
    let copied = 0;
    let index = this.first;
    let offset = this.offset;
    while (copied < n) {
      const chunk = this.chunks[index];
      assert(chunk !== undefined, 'chunk list shorter than buffered count');
      const count = Math.min(n - copied, chunk.byteLength - offset);
      chunk.copy(out, copied, offset, offset + count);
      copied += count;
      offset += count;
      if (offset === chunk.byteLength) {
        index += 1;
        offset = 0;
      }
    }
    return out;
  }

  private skip(n: number): void {
    this.consume(n, undefined);
  }

  /** Consumes `n` buffered bytes, pushing a view of each chunk's share onto `parts` if given. */
  private consume(n: number, parts: Buffer[] | undefined): void {
    assert(n <= this.buffered, 'consume past buffered data');
    this.buffered -= n;
    let left = n;
    // Bounded by the chunks buffered: each pass consumes the rest of one chunk or ends.
    while (left > 0) {
      const chunk = this.chunks[this.first];
      assert(chunk !== undefined, 'chunk list shorter than buffered count');
      const count = Math.min(left, chunk.byteLength - this.offset);
      parts?.push(chunk.subarray(this.offset, this.offset + count));
      left -= count;
      this.offset += count;
      if (this.offset === chunk.byteLength) {
        this.first += 1;
        this.offset = 0;
      }
    }
    this.compact();
  }

  /** Drops consumed chunk references so that delivered-and-forgotten buffers can be collected. */
  private compact(): void {
    if (this.first === this.chunks.length) {
      this.chunks = [];
      this.first = 0;
    } else if (this.first > 64 && this.first * 2 > this.chunks.length) {
      this.chunks = this.chunks.slice(this.first);
      this.first = 0;
    }
  }
}
