import { assert } from '../../util/assert.js';

export interface BackoffOptions {
  minMs: number;
  maxMs: number;
  /** Uniform in [0, 1); injected so that tests and simulations are reproducible. */
  random: () => number;
}

/**
 * Exponential reconnect backoff with "equal jitter": the n-th consecutive failure waits a uniform
 * time in [d/2, d) with d = min(maxMs, minMs · 2^n). Jitter keeps a whole cluster from redialing a
 * restarted node in lockstep; the floor of d/2 keeps retries from collapsing to zero.
 */
export class Backoff {
  private failures = 0;

  constructor(private readonly opts: BackoffOptions) {
    assert(opts.minMs > 0 && opts.maxMs >= opts.minMs, 'backoff needs 0 < minMs <= maxMs');
  }

  /** The delay before the next attempt; each call counts one more consecutive failure. */
  next(): number {
    // The exponent is capped so the power never overflows, however long a peer stays away.
    const exp = Math.min(this.failures, 30);
    this.failures += 1;
    const ceiling = Math.min(this.opts.maxMs, this.opts.minMs * 2 ** exp);
    return Math.floor(ceiling / 2 + (ceiling / 2) * this.opts.random());
  }

  reset(): void {
    this.failures = 0;
  }
}
