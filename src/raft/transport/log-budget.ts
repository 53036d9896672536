import type { Logger } from 'pino';

/**
 * At most `maxPerWindow` log lines per `windowMs`; the rest are counted and reported in one line
 * when the next window opens. For warnings that an outside party can trigger at will.
 */
export class LogBudget {
  private windowStartMs = Number.NEGATIVE_INFINITY;
  private used = 0;
  private suppressed = 0;

  constructor(
    private readonly maxPerWindow: number,
    private readonly windowMs: number,
    private readonly log: Logger,
    private readonly what: string,
  ) {}

  allow(nowMs: number): boolean {
    if (nowMs - this.windowStartMs >= this.windowMs) {
      if (this.suppressed > 0) this.log.warn({ suppressed: this.suppressed, windowMs: this.windowMs }, `suppressed ${this.what} logs`);
      this.windowStartMs = nowMs;
      this.used = 0;
      this.suppressed = 0;
    }
    if (this.used < this.maxPerWindow) {
      this.used += 1;
      return true;
    }
    this.suppressed += 1;
    return false;
  }
}
