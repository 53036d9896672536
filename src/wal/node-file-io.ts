/** The real FileIO over node:fs: file descriptors, positional reads and writes, fdatasync, O_DSYNC. */
import * as fs from 'node:fs';
import { promisify } from 'node:util';
import type { FileHandle, FileIO, FileStat, OpenOptions } from './file-io.js';

const readAsync = promisify(fs.read);
const writevAsync = promisify(fs.writev);
const fdatasyncAsync = promisify(fs.fdatasync);
const ftruncateAsync = promisify(fs.ftruncate);
const closeAsync = promisify(fs.close);
const fstatAsync = promisify(fs.fstat);
const openAsync = promisify(fs.open);

/** Linux IOV_MAX; libuv copes with more, but chunking keeps each syscall's list bounded. */
const MAX_IOV = 1024;
/** A writev that makes no progress this many times in a row is an error, not a retry forever. */
const MAX_ZERO_WRITES = 3;

/** Writes up to this many bytes (not on O_DSYNC handles) are made on the event loop; see NodeFileIOOptions. */
export const DEFAULT_SYNC_WRITE_MAX_BYTES = 512 * 1024;

export interface NodeFileIOOptions {
  /**
   * A write of at most this many bytes into the page cache is a `writevSync` on the event loop
   * instead of a trip through libuv's thread pool; 0 sends every write to the pool. Why: on the
   * 2-vCPU VMs we measure on, a pool trip costs two thread wake-ups (a futex to the worker, an
   * eventfd back to the loop), each a context switch of 20–30 µs of CPU, while copying a few KiB
   * into the page cache takes a few µs. A one-entry Raft round cost ~12 context switches per node,
   * two thirds of them in the pool. Kafka's request threads write to the page cache the same way.
   * The default, 512 KiB, holds the loop for at most ~0.2 ms (~0.35 µs per KiB of fresh pages
   * measured here): a 263 KiB group-commit round of 256 × 1 KiB took 95 µs as one writevSync
   * against ~150 µs through the pool, and the round's fdatasync, issued without the trip back from
   * the pool, returned sooner too (it was 64 KiB until session 7; the round went to the pool).
   * Larger writes (large entries, rounds of megabytes) stay in the pool, where the copy overlaps
   * the event loop's other work (a deferred CRC, the next round's staging). O_DSYNC writes always
   * go to the pool: each one waits for the device.
   */
  syncWriteMaxBytes?: number;
}

export class NodeFileIO implements FileIO {
  private readonly syncWriteMaxBytes: number;
  /** Handles opened O_DSYNC: their writes wait for the device, so they never run on the event loop. */
  private readonly dsyncFds = new Set<FileHandle>();

  constructor(opts: NodeFileIOOptions = {}) {
    this.syncWriteMaxBytes = opts.syncWriteMaxBytes ?? DEFAULT_SYNC_WRITE_MAX_BYTES;
  }

  async open(path: string, opts: OpenOptions): Promise<FileHandle> {
    const { O_RDWR, O_CREAT, O_DSYNC } = fs.constants;
    const flags = O_RDWR | (opts.create ? O_CREAT : 0) | (opts.dsync === true ? O_DSYNC : 0);
    const fd = await openAsync(path, flags, 0o644);
    if (opts.dsync === true) this.dsyncFds.add(fd);
    return fd;
  }

  async read(fd: FileHandle, into: Uint8Array, position: number): Promise<number> {
    const { bytesRead } = await readAsync(fd, into, 0, into.byteLength, position);
    return bytesRead;
  }

  readSync(fd: FileHandle, into: Uint8Array, position: number): number {
    return fs.readSync(fd, into, 0, into.byteLength, position);
  }

  write(fd: FileHandle, buffers: readonly Uint8Array[], position: number): Promise<void> {
    if (this.syncWriteMaxBytes === 0 || this.dsyncFds.has(fd) || totalBytes(buffers) > this.syncWriteMaxBytes) return writeAllAsync(fd, buffers, position);
    try {
      writeAllSync(fd, buffers, position);
      return Promise.resolve();
    } catch (err) {
      return Promise.reject(err instanceof Error ? err : new Error(String(err)));
    }
  }

  async datasync(fd: FileHandle): Promise<void> {
    await fdatasyncAsync(fd);
  }

  async truncate(fd: FileHandle, sizeBytes: number): Promise<void> {
    await ftruncateAsync(fd, sizeBytes);
  }

  async close(fd: FileHandle): Promise<void> {
    this.dsyncFds.delete(fd);
    await closeAsync(fd);
  }

  async size(fd: FileHandle): Promise<number> {
    return (await fstatAsync(fd)).size;
  }

  async stat(path: string): Promise<FileStat | undefined> {
    try {
      const s = await fs.promises.stat(path);
      return { sizeBytes: s.size, isDirectory: s.isDirectory() };
    } catch (err) {
      if (isNotFound(err)) return undefined;
      throw err;
    }
  }

  async readdir(path: string): Promise<string[]> {
    try {
      return (await fs.promises.readdir(path)).sort();
    } catch (err) {
      if (isNotFound(err)) return [];
      throw err;
    }
  }

  async unlink(path: string): Promise<void> {
    await fs.promises.unlink(path);
  }

  async mkdir(path: string): Promise<void> {
    await fs.promises.mkdir(path, { recursive: true });
  }

  async rmdir(path: string): Promise<void> {
    await fs.promises.rm(path, { recursive: true, force: true });
  }

  async rename(from: string, to: string): Promise<void> {
    await fs.promises.rename(from, to);
  }

  async syncDir(path: string): Promise<void> {
    const fd = await openAsync(path, fs.constants.O_RDONLY);
    try {
      await promisify(fs.fsync)(fd);
    } finally {
      await closeAsync(fd);
    }
  }
}

/** Positional writev through libuv's thread pool, looping on short writes. */
async function writeAllAsync(fd: FileHandle, buffers: readonly Uint8Array[], position: number): Promise<void> {
  let pending = buffers.filter((b) => b.byteLength > 0);
  let pos = position;
  let zeroWrites = 0;
  while (pending.length > 0) {
    const { bytesWritten } = await writevAsync(fd, pending.slice(0, MAX_IOV), pos);
    zeroWrites = bytesWritten === 0 ? zeroWrites + 1 : 0;
    if (zeroWrites >= MAX_ZERO_WRITES) throw new Error(`writev made no progress at ${pos}`);
    pos += bytesWritten;
    pending = skipWritten(pending, bytesWritten);
  }
}

/** The same on the calling thread (small writes; see NodeFileIOOptions.syncWriteMaxBytes). */
function writeAllSync(fd: FileHandle, buffers: readonly Uint8Array[], position: number): void {
  let pending = buffers.filter((b) => b.byteLength > 0);
  let pos = position;
  let zeroWrites = 0;
  while (pending.length > 0) {
    const bytesWritten = fs.writevSync(fd, pending.slice(0, MAX_IOV), pos);
    zeroWrites = bytesWritten === 0 ? zeroWrites + 1 : 0;
    if (zeroWrites >= MAX_ZERO_WRITES) throw new Error(`writev made no progress at ${pos}`);
    pos += bytesWritten;
    pending = skipWritten(pending, bytesWritten);
  }
}

function totalBytes(buffers: readonly Uint8Array[]): number {
  let n = 0;
  for (const b of buffers) n += b.byteLength;
  return n;
}

/** Drops `n` written bytes from the front of a buffer list (views, no copies). */
export function skipWritten(buffers: Uint8Array[], n: number): Uint8Array[] {
  let left = n;
  let i = 0;
  while (i < buffers.length && left >= (buffers[i]?.byteLength ?? 0)) {
    left -= buffers[i]?.byteLength ?? 0;
    i++;
  }
  const rest = buffers.slice(i);
  const first = rest[0];
  if (first !== undefined && left > 0) rest[0] = first.subarray(left);
  return rest;
}

function isNotFound(err: unknown): boolean {
  return typeof err === 'object' && err !== null && 'code' in err && err.code === 'ENOENT';
}
