import { assert } from '../../util/assert.js';

/**
 * Buffers for catch-up Fetch reads, recycled once the response that carried them is written.
 *
 * Why: a catch-up Fetch reads up to 50 MB of stored batches from the segments (librdkafka asks for
 * fetch.max.bytes = 50 MB) and sends them as views, byte for byte. In fresh buffers that is 50 MB of
 * external memory per response, which V8 frees only when a full GC finds it dead and which paces
 * those GCs: a consumer reading from the start drove about one mark-compact per Fetch, and how much
 * dead read memory piled up before it depended on the GC's threading (up to ~180 MB). Recycled,
 * a reader's memory is what it has in flight plus a bounded free list, whatever the GC does.
 *
 * Safety rests on one rule: a buffer goes back to the pool only after the socket write that sends
 * it has completed (the connection calls `release` then, or when the response is abandoned). A
 * lease never released (a handler that hangs, a bug) is simply never reused: the GC reclaims it.
 * It can leak to the GC; it cannot hand one buffer to two readers.
 *
 * Reads below `minPooledBytes` (a tail fetch, a kafkajs consumer's 1 MB partitions) and above
 * `maxPooledBytes` get fresh buffers; pooled ones come in whole multiples of `minPooledBytes`. Not
 * powers of two: a catch-up read is sized by the consumer's per-partition limit (10 MB for the
 * bench's librdkafka consumer, so 10 MB + 64 KiB of slack), and rounding that to 16 MiB held 80 MB
 * for a 50 MB response. A consumer asks for the same sizes fetch after fetch, so exact classes are
 * reused as well.
 */
export interface ReadBufferPoolOptions {
  readonly minPooledBytes: number;
  readonly maxPooledBytes: number;
  /** Bytes of free buffers kept for reuse; buffers released beyond it are left to the GC. */
  readonly maxFreeBytes: number;
}

export const DEFAULT_READ_BUFFER_POOL: ReadBufferPoolOptions = {
  minPooledBytes: 1024 * 1024,
  // The WAL's largest single read.
  maxPooledBytes: 16 * 1024 * 1024,
  maxFreeBytes: 64 * 1024 * 1024,
};

export class ReadBufferPool {
  private readonly o: ReadBufferPoolOptions;
  /** Free buffers by size. */
  private readonly free = new Map<number, Buffer[]>();
  /** Every free buffer, to catch one released twice. */
  private readonly freeSet = new Set<Buffer>();
  private freeBytes = 0;

  constructor(options: ReadBufferPoolOptions = DEFAULT_READ_BUFFER_POOL) {
    assert(Number.isSafeInteger(options.minPooledBytes) && options.minPooledBytes > 0, 'minPooledBytes must be a positive integer');
    assert(options.minPooledBytes <= options.maxPooledBytes && options.maxFreeBytes >= 0, 'bad read buffer pool bounds');
    this.o = options;
  }

  /** A set of buffers lent to one response, all given back at once. */
  lease(): ReadLease {
    return new ReadLease(this);
  }

  get freeBufferBytes(): number {
    return this.freeBytes;
  }

  /** A whole pooled buffer of at least `bytes`, or undefined when `bytes` is not pooled. */
  take(bytes: number): Buffer | undefined {
    if (bytes < this.o.minPooledBytes || bytes > this.o.maxPooledBytes) return undefined;
    const size = Math.ceil(bytes / this.o.minPooledBytes) * this.o.minPooledBytes;
    const buf = this.free.get(size)?.pop();
    if (buf === undefined) return Buffer.allocUnsafeSlow(size);
    this.freeSet.delete(buf);
    this.freeBytes -= size;
    return buf;
  }

  giveBack(buf: Buffer): void {
    assert(!this.freeSet.has(buf), 'a read buffer was released twice');
    if (this.freeBytes + buf.length > this.o.maxFreeBytes) return;
    let list = this.free.get(buf.length);
    if (list === undefined) {
      list = [];
      this.free.set(buf.length, list);
    }
    list.push(buf);
    this.freeSet.add(buf);
    this.freeBytes += buf.length;
  }
}

export class ReadLease {
  private readonly pool: ReadBufferPool;
  private readonly held: Buffer[] = [];
  private released = false;
  /** For `WalLog.read`: a buffer of exactly `bytes`, pooled when its size is. */
  readonly alloc = (bytes: number): Buffer => {
    assert(!this.released, 'a released read lease was used');
    const whole = this.pool.take(bytes);
    if (whole === undefined) return Buffer.allocUnsafe(bytes);
    this.held.push(whole);
    return whole.subarray(0, bytes);
  };

  constructor(pool: ReadBufferPool) {
    this.pool = pool;
  }

  get buffers(): number {
    return this.held.length;
  }

  /** Gives every pooled buffer back: call only once nothing reads or sends them any more. */
  release(): void {
    assert(!this.released, 'a read lease was released twice');
    this.released = true;
    for (const buf of this.held) this.pool.giveBack(buf);
    this.held.length = 0;
  }
}
