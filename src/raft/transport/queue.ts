import { assert } from '../../util/assert.js';

/** One encoded frame: header + payload buffers, written with a single corked write. */
export interface QueuedFrame {
  readonly buffers: readonly Uint8Array[];
  readonly bytes: number;
}

export interface QueueLimits {
  maxBytes: number;
  maxFrames: number;
}

/**
 * FIFO of frames waiting for a connection (or for `drain`), bounded by bytes and by count. When a
 * new frame does not fit, the OLDEST frames are dropped: for Raft a fresh message supersedes a stale
 * one, and the sender retries anything that mattered.
 */
export class BoundedFrameQueue {
  private items: QueuedFrame[] = [];
  private head = 0;
  private queuedBytes = 0;

  constructor(private readonly limits: QueueLimits) {
    assert(limits.maxBytes > 0 && limits.maxFrames > 0, 'queue limits must be positive');
  }

  get frames(): number {
    return this.items.length - this.head;
  }

  get bytes(): number {
    return this.queuedBytes;
  }

  /**
   * Enqueues `frame`, evicting the oldest frames to make room. Returns how many frames were dropped
   * (the new frame itself counts when it alone exceeds the byte limit; it is then not queued).
   */
  push(frame: QueuedFrame): number {
    if (frame.bytes > this.limits.maxBytes) return 1;
    let dropped = 0;
    while (this.frames >= this.limits.maxFrames || this.queuedBytes + frame.bytes > this.limits.maxBytes) {
      assert(this.shift() !== undefined, 'queue over its limit yet empty');
      dropped += 1;
    }
    this.items.push(frame);
    this.queuedBytes += frame.bytes;
    return dropped;
  }

  shift(): QueuedFrame | undefined {
    const frame = this.items[this.head];
    if (frame === undefined) return undefined;
    this.items[this.head] = EMPTY;
    this.head += 1;
    this.queuedBytes -= frame.bytes;
    // Compact once the consumed prefix dominates, keeping shift O(1) amortised.
    if (this.head === this.items.length) {
      this.items = [];
      this.head = 0;
    } else if (this.head >= 1024 && this.head * 2 >= this.items.length) {
      this.items = this.items.slice(this.head);
      this.head = 0;
    }
    return frame;
  }

  clear(): number {
    const dropped = this.frames;
    this.items = [];
    this.head = 0;
    this.queuedBytes = 0;
    return dropped;
  }
}

const EMPTY: QueuedFrame = Object.freeze({ buffers: [], bytes: 0 });
