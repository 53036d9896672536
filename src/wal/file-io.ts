/**
 * The WAL's only window on the file system. Small on purpose: a real implementation over node:fs
 * and a fault-injecting in-memory one must both satisfy the same contract tests.
 */

/** An open file; numbers only so the interface never leaks node:fs types. */
export type FileHandle = number;

export interface FileStat {
  sizeBytes: number;
  isDirectory: boolean;
}

export interface OpenOptions {
  /** Make the file if it is missing (never truncates). */
  create: boolean;
  /**
   * Every `write` on this handle resolves only once its bytes, and the file size needed to read
   * them back, are durable (O_DSYNC: the write carries its own fdatasync of the range it wrote).
   * Truncates are not covered: they still need `datasync`.
   */
  dsync?: boolean;
}

export interface FileIO {
  /** Opens for read and write. */
  open(path: string, opts: OpenOptions): Promise<FileHandle>;
  /** Reads up to `length` bytes at `position`; returns how many were read (fewer at end of file). */
  read(fd: FileHandle, into: Uint8Array, position: number): Promise<number>;
  readSync(fd: FileHandle, into: Uint8Array, position: number): number;
  /** Writes every buffer, in order, starting at `position` (positional writev; loops on short writes). */
  write(fd: FileHandle, buffers: readonly Uint8Array[], position: number): Promise<void>;
  /** Makes every byte written (and every truncate) before the call durable. */
  datasync(fd: FileHandle): Promise<void>;
  /**
   * Sets the file's size. Shrinking drops the bytes past it; growing adds a hole that reads as
   * zeros and writes nothing (sparse: how the WAL preallocates, see prealloc.ts). Either is durable
   * with the next `datasync`, or the next write on a `dsync` handle.
   */
  truncate(fd: FileHandle, sizeBytes: number): Promise<void>;
  close(fd: FileHandle): Promise<void>;
  /** Size of an open file. */
  size(fd: FileHandle): Promise<number>;
  /** undefined when the path does not exist. */
  stat(path: string): Promise<FileStat | undefined>;
  /** Entry names, sorted; [] when the directory does not exist. */
  readdir(path: string): Promise<string[]>;
  unlink(path: string): Promise<void>;
  /** Recursive; no error if it exists. */
  mkdir(path: string): Promise<void>;
  /** Removes a directory and everything in it; no error if missing. */
  rmdir(path: string): Promise<void>;
  rename(from: string, to: string): Promise<void>;
  /** Makes the directory's entries (creations, renames, unlinks) durable. */
  syncDir(path: string): Promise<void>;
}
