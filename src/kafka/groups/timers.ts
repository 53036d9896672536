import type { Scheduler, TimerHandle } from './time.js';

/**
 * The timers of one group, keyed by purpose ("join", "sync", "member:<id>", "pending:<id>").
 * Setting a key replaces its previous timer, so a group holds at most one timer per key and
 * clearAll() (on unload or stop) leaves nothing behind.
 */
export class TimerSet {
  readonly #scheduler: Scheduler;
  readonly #handles = new Map<string, TimerHandle>();

  constructor(scheduler: Scheduler) {
    this.#scheduler = scheduler;
  }

  set(key: string, delayMs: number, callback: () => void): void {
    this.clear(key);
    const handle = this.#scheduler.setTimeout(() => {
      // Only the timer still registered under the key may fire its callback.
      if (this.#handles.get(key) !== handle) return;
      this.#handles.delete(key);
      callback();
    }, Math.max(0, delayMs));
    this.#handles.set(key, handle);
  }

  clear(key: string): void {
    const handle = this.#handles.get(key);
    if (handle === undefined) return;
    this.#handles.delete(key);
    this.#scheduler.clearTimeout(handle);
  }

  has(key: string): boolean {
    return this.#handles.has(key);
  }

  get size(): number {
    return this.#handles.size;
  }

  clearAll(): void {
    for (const handle of this.#handles.values()) this.#scheduler.clearTimeout(handle);
    this.#handles.clear();
  }
}
