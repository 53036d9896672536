/**
 * Sparse preallocation of the files the WAL appends to (a log's last segment, the redo journal).
 *
 * Why: an fdatasync whose writes grow the file must also write the inode (its size, the block
 * map); one whose writes land inside the file's existing size need not write the size. Measured on
 * ext4 with a C loop of write + fdatasync (docs/bench.md, session 9), 1 KiB appends took p50
 * 0.17-0.18 ms and the same writes into a file extended with ftruncate first 0.11-0.12 ms, as fast as
 * a pre-zeroed or fallocate'd file. ftruncate writes no bytes (the extension is a hole), so unlike
 * zero-filling it does not double the bytes a disk-bound workload writes.
 *
 * The extension is issued before the round's write, so that round's own fdatasync makes it durable
 * (it pays the inode write the append would have paid anyway); every later round until the next
 * extension writes inside the size. Recovery reads a zero suffix as the end of the log (recovery.ts,
 * row 14), and a segment is trimmed to its frames before it stops being the last (log-write.ts).
 */

/**
 * Default step: 4 MiB. At 1 KiB rounds one round in ~4,000 pays the extension; at 1 MiB rounds one
 * in four (1 MiB writes gained nothing measurable from preallocation anyway: their fdatasync is the
 * data). Small enough that a thousand idle partitions claim 4 GiB of apparent size (holes, no
 * blocks) rather than 128 GiB, and that recovery after a crash reads at most one step of zeros
 * per log.
 */
export const DEFAULT_PREALLOCATE_BYTES = 4 * 1024 * 1024;

/** Page granularity of extensions (a size on a page boundary keeps the last page whole). */
const PAGE_BYTES = 4096;

/**
 * The size to extend a file to before writing up to `end`, or undefined when no extension is due:
 * the file already reaches `end`, preallocation is off (`stepBytes` 0), or `limitBytes` (the
 * segment bound) leaves no room beyond `end` (the write then grows the file itself).
 */
export function preallocationTarget(allocatedBytes: number, end: number, stepBytes: number, limitBytes: number): number | undefined {
  if (stepBytes <= 0 || end <= allocatedBytes) return undefined;
  const target = Math.min(limitBytes, Math.ceil((end + stepBytes) / PAGE_BYTES) * PAGE_BYTES);
  return target > end ? target : undefined;
}
