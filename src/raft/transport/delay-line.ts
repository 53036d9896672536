import type { QueueLimits } from './queue.js';

/**
 * Frames held back by an injected delay fault. Bounded like the send queue (a delayed link must not
 * become an unbounded buffer), and every timer is cancellable so that close() leaves nothing behind.
 */
export class DelayLine {
  private readonly timers = new Set<NodeJS.Timeout>();
  private heldBytes = 0;

  constructor(private readonly limits: QueueLimits) {}

  /** Runs `release` after `delayMs`; false (and nothing scheduled) when the line is full. */
  hold(delayMs: number, bytes: number, release: () => void): boolean {
    if (this.timers.size >= this.limits.maxFrames || this.heldBytes + bytes > this.limits.maxBytes) return false;
    this.heldBytes += bytes;
    const timer = setTimeout(() => {
      this.timers.delete(timer);
      this.heldBytes -= bytes;
      release();
    }, delayMs);
    this.timers.add(timer);
    return true;
  }

  get frames(): number {
    return this.timers.size;
  }

  clear(): void {
    for (const timer of this.timers) clearTimeout(timer);
    this.timers.clear();
    this.heldBytes = 0;
  }
}
