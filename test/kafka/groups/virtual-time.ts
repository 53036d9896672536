import type { Clock, Scheduler, TimerHandle } from '../../../src/kafka/groups/time.js';

interface Timer {
  readonly id: number;
  readonly dueMs: number;
  readonly callback: () => void;
}

/**
 * A deterministic clock and scheduler: time moves only when a test advances it, and due timers
 * fire in (due time, creation) order. Between timers the promise queue is drained, so the
 * asynchronous continuations a timer triggers run before the next timer fires.
 */
export class VirtualTime implements Clock, Scheduler {
  #nowMs: number;
  #nextId = 1;
  readonly #timers = new Map<number, Timer>();

  constructor(startMs = 1_700_000_000_000) {
    this.#nowMs = startMs;
  }

  now(): number {
    return this.#nowMs;
  }

  setTimeout(callback: () => void, delayMs: number): TimerHandle {
    const id = this.#nextId++;
    this.#timers.set(id, { id, dueMs: this.#nowMs + delayMs, callback });
    return id;
  }

  clearTimeout(handle: TimerHandle): void {
    this.#timers.delete(handle as number);
  }

  get pendingTimers(): number {
    return this.#timers.size;
  }

  /** Moves time forward by `ms`, firing every timer that falls due on the way. */
  async advance(ms: number): Promise<void> {
    const targetMs = this.#nowMs + ms;
    for (let fired = 0; fired < 100_000; fired++) {
      await drainMicrotasks();
      const next = this.#earliest();
      if (next === undefined || next.dueMs > targetMs) break;
      this.#timers.delete(next.id);
      this.#nowMs = next.dueMs;
      next.callback();
    }
    this.#nowMs = targetMs;
    await drainMicrotasks();
  }

  #earliest(): Timer | undefined {
    let best: Timer | undefined;
    for (const t of this.#timers.values()) {
      if (best === undefined || t.dueMs < best.dueMs || (t.dueMs === best.dueMs && t.id < best.id)) best = t;
    }
    return best;
  }
}

/** Lets already-resolved promise chains run to completion: setImmediate runs after the microtask queue. */
export function drainMicrotasks(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}
