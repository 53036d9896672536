import type { FileHandle, FileIO, FileStat } from '../../wal/index.js';

/** Receives one sample per datasync, in seconds. */
export type FsyncObserver = (seconds: number) => void;

/**
 * A FileIO that times `datasync` (the WAL's fsync) and delegates everything else. The WAL takes its
 * file layer by injection, so fsync latency is measured without touching the WAL itself.
 */
export class TimedFileIO implements FileIO {
  constructor(
    private readonly inner: FileIO,
    private readonly observe: FsyncObserver,
  ) {}

  async datasync(fd: FileHandle): Promise<void> {
    const start = performance.now();
    try {
      await this.inner.datasync(fd);
    } finally {
      this.observe((performance.now() - start) / 1000);
    }
  }

  open(path: string, opts: { create: boolean }): Promise<FileHandle> {
    return this.inner.open(path, opts);
  }
  read(fd: FileHandle, into: Uint8Array, position: number): Promise<number> {
    return this.inner.read(fd, into, position);
  }
  readSync(fd: FileHandle, into: Uint8Array, position: number): number {
    return this.inner.readSync(fd, into, position);
  }
  write(fd: FileHandle, buffers: readonly Uint8Array[], position: number): Promise<void> {
    return this.inner.write(fd, buffers, position);
  }
  truncate(fd: FileHandle, sizeBytes: number): Promise<void> {
    return this.inner.truncate(fd, sizeBytes);
  }
  close(fd: FileHandle): Promise<void> {
    return this.inner.close(fd);
  }
  size(fd: FileHandle): Promise<number> {
    return this.inner.size(fd);
  }
  stat(path: string): Promise<FileStat | undefined> {
    return this.inner.stat(path);
  }
  readdir(path: string): Promise<string[]> {
    return this.inner.readdir(path);
  }
  unlink(path: string): Promise<void> {
    return this.inner.unlink(path);
  }
  mkdir(path: string): Promise<void> {
    return this.inner.mkdir(path);
  }
  rmdir(path: string): Promise<void> {
    return this.inner.rmdir(path);
  }
  rename(from: string, to: string): Promise<void> {
    return this.inner.rename(from, to);
  }
  syncDir(path: string): Promise<void> {
    return this.inner.syncDir(path);
  }
}
