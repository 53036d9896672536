import { assert } from '../../util/assert.js';
import { RaftCodecError } from './errors.js';

const TWO_32 = 0x1_0000_0000;
/** The high word of a u64 no larger than 2^53 - 1. */
const MAX_HI = 0x1f_ffff;
const EMPTY = new Uint8Array(0);

/**
 * A bounds-checked big-endian reader over bytes held in one or more runs, read as one stream
 * without joining them. A node-to-node frame arrives as the views of the socket reads it spans
 * (src/raft/transport/decoder.ts); joining them into one buffer copied every byte received once more
 * (4-6 % of a node's CPU under replication load), so frames are decoded in place: a field that
 * crosses a run boundary is assembled byte by byte, and `view` returns a subarray of a run when the
 * bytes lie in one (nearly always: runs are socket reads of up to 64 KiB) and otherwise a copy of
 * just those bytes.
 *
 * Every read past the limit throws RaftCodecError naming the field (`what`) and what is being
 * decoded (`unit`). `narrow` confines reads to a nested item (a message inside a frame) so that its
 * own length checks see only its bytes.
 */
export class ByteReader {
  /** The run being read; `at` is the offset in it, `end` its length. */
  private run: Uint8Array;
  private at = 0;
  private end: number;
  /** Index in `runs` of the run after `run`. */
  private nextRun = 1;
  /** Stream offset of `run[0]`. */
  private base = 0;
  /** Stream offset reads may not pass. */
  private limit: number;

  constructor(
    private readonly runs: readonly Uint8Array[],
    private readonly unit: string,
  ) {
    this.run = runs[0] ?? EMPTY;
    this.end = this.run.byteLength;
    let total = 0;
    for (const r of runs) total += r.byteLength;
    this.limit = total;
  }

  remaining(): number {
    return this.limit - this.base - this.at;
  }

  need(n: number, what: string): void {
    if (this.limit - this.base - this.at < n) throw new RaftCodecError(`truncated ${this.unit} reading ${what}`);
  }

  /** Confines reads to the next `n` bytes; returns the previous limit, for `widen`. */
  narrow(n: number, what: string): number {
    this.need(n, what);
    const previous = this.limit;
    this.limit = this.base + this.at + n;
    return previous;
  }

  widen(previous: number): void {
    this.limit = previous;
  }

  u8(what: string): number {
    this.need(1, what);
    if (this.at === this.end) this.advance();
    return this.run[this.at++] as number;
  }

  u16(what: string): number {
    this.need(2, what);
    if (this.end - this.at < 2) return this.slowUint(2);
    const b = this.run;
    const at = this.at;
    this.at += 2;
    return ((b[at] as number) << 8) | (b[at + 1] as number);
  }

  u32(what: string): number {
    this.need(4, what);
    if (this.end - this.at < 4) return this.slowUint(4);
    const b = this.run;
    const at = this.at;
    this.at += 4;
    return (b[at] as number) * 0x100_0000 + (((b[at + 1] as number) << 16) | ((b[at + 2] as number) << 8) | (b[at + 3] as number));
  }

  u64(what: string): number {
    const hi = this.u32(what);
    const lo = this.u32(what);
    if (hi > MAX_HI) throw new RaftCodecError(`${what} exceeds 2^53`);
    return hi * TWO_32 + lo;
  }

  /** The next `n` bytes: a view of the run when they lie in one, else a copy. */
  view(n: number, what: string): Uint8Array {
    this.need(n, what);
    if (n === 0) return EMPTY;
    if (this.at === this.end) this.advance();
    if (this.end - this.at >= n) {
      const out = this.run.subarray(this.at, this.at + n);
      this.at += n;
      return out;
    }
    return this.gather(n);
  }

  /** A field across a run boundary (`need` has checked that the bytes exist). */
  private slowUint(n: number): number {
    let value = 0;
    for (let i = 0; i < n; i++) {
      if (this.at === this.end) this.advance();
      value = value * 256 + (this.run[this.at++] as number);
    }
    return value;
  }

  private gather(n: number): Uint8Array {
    const out = new Uint8Array(n);
    let copied = 0;
    // Bounded: each pass copies at least one byte (advance skips empty runs).
    while (copied < n) {
      if (this.at === this.end) this.advance();
      const count = Math.min(n - copied, this.end - this.at);
      out.set(this.run.subarray(this.at, this.at + count), copied);
      this.at += count;
      copied += count;
    }
    return out;
  }

  /** Moves to the next non-empty run; callers have checked with `need` that one holds more bytes. */
  private advance(): void {
    do {
      const next = this.runs[this.nextRun];
      // The limit never exceeds the runs' total length, and every read checks the limit first.
      assert(next !== undefined, 'read past the last run');
      this.base += this.end;
      this.run = next;
      this.at = 0;
      this.end = next.byteLength;
      this.nextRun++;
    } while (this.end === 0);
  }
}
