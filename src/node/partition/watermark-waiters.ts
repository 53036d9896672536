import { ErrorCode, KafkaError } from '../../util/errors.js';

export const DEFAULT_MAX_WATERMARK_WAITERS = 10_000;

/** A long-poll's interest in one partition: woken once the high watermark passes `offset`. */
export interface WatermarkWatch {
  readonly offset: number;
  /** Called by advance (or wakeAll); the owner removes the watch from every partition it watches. */
  readonly wake: () => void;
}

/**
 * Long-poll support: fetches wait until the high watermark passes their offset. `advance` is
 * called when committed data is applied; there is no polling. A watch carries no timer or promise
 * of its own: one fetch over several partitions registers one callback in each and bounds the whole
 * wait with one timer (fetch-wait.ts). The number of watches is capped.
 */
export class WatermarkWaiters {
  private readonly watches = new Set<WatermarkWatch>();

  constructor(private readonly maxWaiters = DEFAULT_MAX_WATERMARK_WAITERS) {}

  /** Registers `watch`; throws REQUEST_TIMED_OUT when the partition has maxWaiters already. */
  add(watch: WatermarkWatch): void {
    if (this.watches.size >= this.maxWaiters) {
      throw new KafkaError(ErrorCode.REQUEST_TIMED_OUT, `too many waiting fetches (${this.maxWaiters})`);
    }
    this.watches.add(watch);
  }

  remove(watch: WatermarkWatch): void {
    this.watches.delete(watch);
  }

  /** Wakes the watches the watermark has passed (each wake removes its watch: deleting while iterating a Set is safe). */
  advance(watermark: number): void {
    if (this.watches.size === 0) return;
    for (const watch of this.watches) if (watermark > watch.offset) watch.wake();
  }

  /** Wakes everyone (leadership lost, partition removed): each caller re-checks its state. */
  wakeAll(): void {
    for (const watch of this.watches) watch.wake();
  }

  get size(): number {
    return this.watches.size;
  }
}
