/**
 * A one-line progress bar with throughput on stderr, for a human at a terminal. Redraws at most
 * every REDRAW_MS (checked on each update, no timer), and erases itself when done.
 */
import type { InspectIO } from './output.js';
import { mib } from './format.js';

const REDRAW_MS = 100;
const BAR_WIDTH = 30;

export class Progress {
  private done = 0;
  private lastDraw = -Infinity;
  private readonly started: number;

  constructor(
    private readonly io: InspectIO,
    private readonly label: string,
    private readonly totalBytes: number,
  ) {
    this.started = io.now();
  }

  add(bytes: number): void {
    this.done += bytes;
    if (!this.io.progress) return;
    const now = this.io.now();
    if (now - this.lastDraw < REDRAW_MS && this.done < this.totalBytes) return;
    this.lastDraw = now;
    this.io.stderr.write(`\r${this.render(now)}`);
  }

  private render(now: number): string {
    const fraction = this.totalBytes === 0 ? 1 : Math.min(1, this.done / this.totalBytes);
    const filled = Math.round(fraction * BAR_WIDTH);
    const seconds = Math.max((now - this.started) / 1000, 0.001);
    const rate = `${mib(this.done / seconds)}/s`;
    return `${this.label} [${'#'.repeat(filled)}${'.'.repeat(BAR_WIDTH - filled)}] ${(fraction * 100).toFixed(0).padStart(3)}% ${mib(this.done)} ${rate}`;
  }

  finish(): void {
    if (this.io.progress && this.lastDraw !== -Infinity) this.io.stderr.write('\r\x1b[2K');
  }

  /** Bytes per second so far, for the summary line. */
  throughput(): { bytes: number; seconds: number } {
    return { bytes: this.done, seconds: (this.io.now() - this.started) / 1000 };
  }
}
