import type { FileHandle, FileIO, FileStat, OpenOptions } from './file-io.js';

/**
 * A FileIO that forwards every call to another one. Wrappers that observe the file layer (fsync
 * timing for metrics, call counting in tests) extend it and override only the calls they watch.
 */
export class ForwardingFileIO implements FileIO {
  constructor(protected readonly inner: FileIO) {}

  open(path: string, opts: OpenOptions): Promise<FileHandle> {
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
  datasync(fd: FileHandle): Promise<void> {
    return this.inner.datasync(fd);
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
