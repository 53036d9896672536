import { assert } from '../../util/assert.js';

/**
 * Flow control for one follower: the AppendEntries messages sent but not yet acknowledged, as a
 * ring of (last index, bytes). Full when either the message or the byte limit is reached, which
 * pauses pipelining to that follower until acknowledgements free room.
 */
export class Inflights {
  private readonly indexes: number[];
  private readonly sizes: number[];
  private start = 0;
  private count = 0;
  private bytes = 0;

  constructor(
    private readonly maxMsgs: number,
    private readonly maxBytes: number,
  ) {
    assert(maxMsgs > 0, 'maxInflightMsgs must be positive');
    // Preallocated so that the replication hot path does not allocate.
    this.indexes = new Array<number>(maxMsgs).fill(0);
    this.sizes = new Array<number>(maxMsgs).fill(0);
  }

  add(index: number, bytes: number): void {
    assert(!this.full(), 'inflights overflow');
    const slot = (this.start + this.count) % this.maxMsgs;
    this.indexes[slot] = index;
    this.sizes[slot] = bytes;
    this.count++;
    this.bytes += bytes;
  }

  /** Frees every message whose last index is <= index (acknowledged). */
  freeLE(index: number): void {
    while (this.count > 0 && (this.indexes[this.start] ?? 0) <= index) {
      this.bytes -= this.sizes[this.start] ?? 0;
      this.start = (this.start + 1) % this.maxMsgs;
      this.count--;
    }
  }

  /** Frees the oldest message: a heartbeat response proves the link works, so retry (etcd does too). */
  freeFirstOne(): void {
    if (this.count === 0) return;
    this.freeLE(this.indexes[this.start] ?? 0);
  }

  full(): boolean {
    return this.count === this.maxMsgs || (this.maxBytes > 0 && this.bytes >= this.maxBytes);
  }

  size(): number {
    return this.count;
  }

  reset(): void {
    this.start = 0;
    this.count = 0;
    this.bytes = 0;
  }
}
