/** Wraps a FileIO and counts the calls that matter for group commit; tests and benchmarks use it. */
import type { FileHandle, OpenOptions } from '../file-io.js';
import { ForwardingFileIO } from '../forwarding-file-io.js';

export class CountingFileIO extends ForwardingFileIO {
  datasyncCalls = 0;
  writeCalls = 0;
  /** Writes on O_DSYNC handles: each one is also a sync of what it wrote. */
  dsyncWriteCalls = 0;
  private readonly dsyncFds = new Set<FileHandle>();

  /** Every point where bytes were made durable: fdatasyncs plus O_DSYNC writes. */
  get syncCalls(): number {
    return this.datasyncCalls + this.dsyncWriteCalls;
  }

  override async open(path: string, opts: OpenOptions): Promise<FileHandle> {
    const fd = await this.inner.open(path, opts);
    if (opts.dsync === true) this.dsyncFds.add(fd);
    else this.dsyncFds.delete(fd);
    return fd;
  }
  override write(fd: FileHandle, buffers: readonly Uint8Array[], position: number): Promise<void> {
    this.writeCalls++;
    if (this.dsyncFds.has(fd)) this.dsyncWriteCalls++;
    return this.inner.write(fd, buffers, position);
  }
  override datasync(fd: FileHandle): Promise<void> {
    this.datasyncCalls++;
    return this.inner.datasync(fd);
  }
}
