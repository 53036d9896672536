/**
 * Time is injected so that the coordinator's timers (session expiry, rebalance deadlines, the
 * initial rebalance delay) can be driven by a virtual clock in tests and by real timers in a node.
 */
export interface Clock {
  /** Milliseconds since the epoch (or any monotonic origin the caller chooses). */
  now(): number;
}

/** An opaque handle returned by a Scheduler; only ever passed back to clearTimeout. */
export type TimerHandle = unknown;

export interface Scheduler {
  setTimeout(callback: () => void, delayMs: number): TimerHandle;
  clearTimeout(handle: TimerHandle): void;
}

export function systemClock(): Clock {
  return { now: () => Date.now() };
}

export function systemScheduler(): Scheduler {
  return {
    setTimeout: (callback, delayMs) => {
      const timer = setTimeout(callback, delayMs);
      // A coordinator's timers must never keep a stopping process alive.
      timer.unref();
      return timer;
    },
    clearTimeout: (handle) => clearTimeout(handle as NodeJS.Timeout),
  };
}
