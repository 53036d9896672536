/**
 * Where a subcommand writes. Passed down from main (no direct use of process streams below it), so
 * tests can run subcommands in-process and capture their output.
 */
import type { Writable } from 'node:stream';
import { once } from 'node:events';

export interface InspectIO {
  stdout: Writable;
  stderr: Writable;
  /** Show the progress bar: stderr is a terminal. */
  progress: boolean;
  /** Milliseconds clock for throughput; injected so nothing reads a global clock below main. */
  now: () => number;
}

/** The reader of our stdout went away (e.g. `| head`): stop quietly. */
export class OutputClosedError extends Error {
  override readonly name = 'OutputClosedError';
}

/** Lines are buffered and written in chunks; flush() honours back-pressure of a slow pipe. */
const FLUSH_BYTES = 64 * 1024;

export class Printer {
  private buffered: string[] = [];
  private bytes = 0;

  constructor(private readonly out: Writable) {}

  line(text: string): void {
    this.buffered.push(text, '\n');
    this.bytes += text.length + 1;
  }

  json(value: unknown): void {
    this.line(JSON.stringify(value));
  }

  /** Writes when enough is buffered (or always with force); waits for 'drain' if the pipe is full. */
  async flush(force = false): Promise<void> {
    if (this.bytes === 0 || (!force && this.bytes < FLUSH_BYTES)) return;
    const chunk = this.buffered.join('');
    this.buffered = [];
    this.bytes = 0;
    if (this.out.destroyed || this.out.writableEnded) throw new OutputClosedError('output closed');
    if (this.out.write(chunk)) return;
    try {
      await Promise.race([once(this.out, 'drain'), once(this.out, 'close')]);
    } catch (err) {
      // once() rejects on 'error': a broken pipe while we waited for it to drain.
      throw new OutputClosedError('output closed', { cause: err });
    }
  }
}
