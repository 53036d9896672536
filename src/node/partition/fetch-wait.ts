import type { WatermarkWaiters, WatermarkWatch } from './watermark-waiters.js';

/** One partition a long-poll waits on: its waiters, the fetch position and the watermark now. */
export interface WaitTarget {
  readonly waiters: WatermarkWaiters;
  readonly offset: number;
  readonly highWatermark: number;
}

/**
 * Resolves when the high watermark of any target passes its offset, after `waitMs`, or when
 * `signal` fires, whichever comes first (at once with no target); every registration is gone by then. One timer and one
 * callback shared by all partitions: a fetch at 2,000 msg/s waits once per message, and a promise,
 * timer and abort listener per partition plus an AbortController per wait were a visible share of
 * the Fetch path. Rejects (registering nothing) when a partition has too many waiting fetches.
 */
export function waitForAny(targets: readonly WaitTarget[], waitMs: number, signal: AbortSignal): Promise<void> {
  if (targets.length === 0 || waitMs <= 0 || signal.aborted || targets.some((t) => t.highWatermark > t.offset)) return Promise.resolve();
  return new Promise<void>((resolve, reject) => {
    const watched: Array<[WatermarkWaiters, WatermarkWatch]> = [];
    let timer: NodeJS.Timeout | undefined;
    let settled = false;
    const finish = (err?: unknown): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      signal.removeEventListener('abort', wake);
      for (const [waiters, watch] of watched) waiters.remove(watch);
      if (err === undefined) resolve();
      else reject(err);
    };
    const wake = (): void => finish();
    try {
      for (const t of targets) {
        const watch: WatermarkWatch = { offset: t.offset, wake };
        t.waiters.add(watch);
        watched.push([t.waiters, watch]);
      }
    } catch (err) {
      finish(err);
      return;
    }
    timer = setTimeout(wake, waitMs);
    signal.addEventListener('abort', wake, { once: true });
  });
}
