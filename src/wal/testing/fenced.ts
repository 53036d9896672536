/**
 * Fences for crash tests that keep running in one process: after `kill()`, every call from the old
 * incarnation fails, as it would if its process had died. Without this, an abandoned store's late
 * writes (a timer-driven index flush, an in-flight round) would land in the next incarnation's files
 * and LevelDB — something no real crash can do.
 */
import type { FileHandle, FileIO, FileStat } from '../file-io.js';
import type { RangeOptions, WalBatchOp, WalDb } from '../context.js';

export class Fence {
  private dead = false;
  kill(): void {
    this.dead = true;
  }
  check(): void {
    if (this.dead) throw new Error('this incarnation has crashed');
  }
  /** Runs `fn` unless killed; its result is also dropped if the kill happened meanwhile. */
  async guard<T>(fn: () => Promise<T>): Promise<T> {
    this.check();
    const result = await fn();
    this.check();
    return result;
  }
}

export class FencedFileIO implements FileIO {
  constructor(
    private readonly inner: FileIO,
    private readonly fence: Fence,
  ) {}
  open(path: string, opts: { create: boolean }): Promise<FileHandle> {
    return this.fence.guard(() => this.inner.open(path, opts));
  }
  read(fd: FileHandle, into: Uint8Array, position: number): Promise<number> {
    return this.fence.guard(() => this.inner.read(fd, into, position));
  }
  readSync(fd: FileHandle, into: Uint8Array, position: number): number {
    this.fence.check();
    return this.inner.readSync(fd, into, position);
  }
  write(fd: FileHandle, buffers: readonly Uint8Array[], position: number): Promise<void> {
    return this.fence.guard(() => this.inner.write(fd, buffers, position));
  }
  datasync(fd: FileHandle): Promise<void> {
    return this.fence.guard(() => this.inner.datasync(fd));
  }
  truncate(fd: FileHandle, sizeBytes: number): Promise<void> {
    return this.fence.guard(() => this.inner.truncate(fd, sizeBytes));
  }
  close(fd: FileHandle): Promise<void> {
    return this.fence.guard(() => this.inner.close(fd));
  }
  size(fd: FileHandle): Promise<number> {
    return this.fence.guard(() => this.inner.size(fd));
  }
  stat(path: string): Promise<FileStat | undefined> {
    return this.fence.guard(() => this.inner.stat(path));
  }
  readdir(path: string): Promise<string[]> {
    return this.fence.guard(() => this.inner.readdir(path));
  }
  unlink(path: string): Promise<void> {
    return this.fence.guard(() => this.inner.unlink(path));
  }
  mkdir(path: string): Promise<void> {
    return this.fence.guard(() => this.inner.mkdir(path));
  }
  rmdir(path: string): Promise<void> {
    return this.fence.guard(() => this.inner.rmdir(path));
  }
  rename(from: string, to: string): Promise<void> {
    return this.fence.guard(() => this.inner.rename(from, to));
  }
  syncDir(path: string): Promise<void> {
    return this.fence.guard(() => this.inner.syncDir(path));
  }
}

export class FencedDb implements WalDb {
  constructor(
    private readonly inner: WalDb,
    private readonly fence: Fence,
  ) {}
  get status(): string {
    return this.inner.status;
  }
  open(): Promise<void> {
    return this.fence.guard(() => this.inner.open());
  }
  close(): Promise<void> {
    return this.fence.guard(() => this.inner.close());
  }
  get(key: Buffer): Promise<Buffer | undefined> {
    return this.fence.guard(() => this.inner.get(key));
  }
  put(key: Buffer, value: Buffer): Promise<void> {
    return this.fence.guard(() => this.inner.put(key, value));
  }
  del(key: Buffer): Promise<void> {
    return this.fence.guard(() => this.inner.del(key));
  }
  batch(ops: WalBatchOp[]): Promise<void> {
    return this.fence.guard(() => this.inner.batch(ops));
  }
  iterator(options: RangeOptions): AsyncIterable<[Buffer, Buffer]> {
    this.fence.check();
    return this.inner.iterator(options);
  }
  keys(options: RangeOptions): AsyncIterable<Buffer> {
    this.fence.check();
    return this.inner.keys(options);
  }
  values(options: RangeOptions): AsyncIterable<Buffer> {
    this.fence.check();
    return this.inner.values(options);
  }
  clear(options: RangeOptions): Promise<void> {
    return this.fence.guard(() => this.inner.clear(options));
  }
}
