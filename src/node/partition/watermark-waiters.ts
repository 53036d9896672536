import { ErrorCode, KafkaError } from '../../util/errors.js';

export const DEFAULT_MAX_WATERMARK_WAITERS = 10_000;

interface Waiter {
  readonly offset: number;
  readonly resolve: (woken: boolean) => void;
  readonly timer: NodeJS.Timeout;
  readonly onAbort: (() => void) | undefined;
  readonly signal: AbortSignal | undefined;
}

/**
 * Long-poll support: callers wait until the high watermark passes an offset (a fetch's position,
 * or an acked duplicate's last offset). `advance` is called when committed data is applied; there
 * is no polling. Every wait is bounded by its own timeout, and the number of waiters is capped.
 */
export class WatermarkWaiters {
  private readonly waiters = new Set<Waiter>();

  constructor(private readonly maxWaiters = DEFAULT_MAX_WATERMARK_WAITERS) {}

  /** Resolves true once the watermark is > offset, false at the timeout or on abort/close. */
  waitBeyond(offset: number, current: number, timeoutMs: number, signal?: AbortSignal): Promise<boolean> {
    if (current > offset) return Promise.resolve(true);
    if (timeoutMs <= 0 || signal?.aborted === true) return Promise.resolve(false);
    if (this.waiters.size >= this.maxWaiters) {
      return Promise.reject(new KafkaError(ErrorCode.REQUEST_TIMED_OUT, `too many waiting fetches (${this.maxWaiters})`));
    }
    return new Promise((resolve) => {
      const finish = (woken: boolean): void => {
        clearTimeout(waiter.timer);
        if (waiter.onAbort !== undefined) waiter.signal?.removeEventListener('abort', waiter.onAbort);
        this.waiters.delete(waiter);
        resolve(woken);
      };
      const onAbort = signal === undefined ? undefined : (): void => finish(false);
      const waiter: Waiter = { offset, resolve: finish, timer: setTimeout(() => finish(false), timeoutMs), onAbort, signal };
      if (onAbort !== undefined) signal?.addEventListener('abort', onAbort, { once: true });
      this.waiters.add(waiter);
    });
  }

  advance(watermark: number): void {
    if (this.waiters.size === 0) return;
    for (const waiter of this.waiters) if (watermark > waiter.offset) waiter.resolve(true);
  }

  /** Wakes everyone (leadership lost, partition removed): each caller re-checks its state. */
  wakeAll(): void {
    for (const waiter of this.waiters) waiter.resolve(true);
  }

  get size(): number {
    return this.waiters.size;
  }
}
