/**
 * Reading the unindexed tail of a segment when a log opens, without reading a preallocation's hole
 * (prealloc.ts): after a crash the last segment may end in up to a step of zeros, and up to 64 logs
 * open at once (src/node/partition/manager.ts), so reading every hole into memory would cost
 * 64 × the step of RSS for nothing.
 */
import type { FileHandle, FileIO } from './file-io.js';
import { zeroSuffixStart } from './torn-tail.js';

/** Backward probe size: one read finds the end of a segment that has no hole. */
const PROBE_BYTES = 64 * 1024;

/**
 * One past the last non-zero byte in [from, end) of the file (`from` when all are zero). Reads
 * backwards in PROBE_BYTES pieces: bounded by (end - from) / PROBE_BYTES reads, and a hole reads
 * without any disk I/O.
 */
export async function nonZeroEnd(io: FileIO, fd: FileHandle, from: number, end: number): Promise<number> {
  const probe = Buffer.allocUnsafe(Math.min(PROBE_BYTES, end - from));
  let hi = end;
  while (hi > from) {
    const lo = Math.max(from, hi - probe.byteLength);
    const n = await io.read(fd, probe.subarray(0, hi - lo), lo);
    const z = zeroSuffixStart(probe.subarray(0, n));
    if (z > 0) return lo + z;
    hi = lo;
  }
  return from;
}

/**
 * The file's bytes [from, end). For a last segment only the part up to its last non-zero byte is
 * read; the rest is the buffer's zero fill, whose pages a large zero-filled allocation does not
 * touch until they are written (the scan only reads them, once, backwards: zeroSuffixStart).
 * Returns the bytes actually present (fewer when the file ends before `end`).
 */
export async function readTail(io: FileIO, fd: FileHandle, from: number, end: number, lastSegment: boolean): Promise<Uint8Array> {
  if (!lastSegment || end - from <= PROBE_BYTES) {
    const bytes = Buffer.allocUnsafe(end - from);
    return bytes.subarray(0, await readFully(io, fd, bytes, from));
  }
  const dataEnd = await nonZeroEnd(io, fd, from, end);
  const bytes = Buffer.alloc(end - from);
  const n = await readFully(io, fd, bytes.subarray(0, dataEnd - from), from);
  // A file that ended early (it cannot shrink under an opening log) would show as its data alone.
  return n < dataEnd - from ? bytes.subarray(0, n) : bytes;
}

/** Reads until `into` is full or the file ends; bounded: every step reads at least one byte. */
async function readFully(io: FileIO, fd: FileHandle, into: Uint8Array, position: number): Promise<number> {
  let got = 0;
  while (got < into.byteLength) {
    const n = await io.read(fd, into.subarray(got), position + got);
    if (n === 0) break;
    got += n;
  }
  return got;
}
