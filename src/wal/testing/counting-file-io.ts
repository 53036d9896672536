/** Wraps a FileIO and counts the calls that matter for group commit; tests and benchmarks use it. */
import type { FileHandle } from '../file-io.js';
import { ForwardingFileIO } from '../forwarding-file-io.js';

export class CountingFileIO extends ForwardingFileIO {
  datasyncCalls = 0;
  writeCalls = 0;

  override write(fd: FileHandle, buffers: readonly Uint8Array[], position: number): Promise<void> {
    this.writeCalls++;
    return this.inner.write(fd, buffers, position);
  }
  override datasync(fd: FileHandle): Promise<void> {
    this.datasyncCalls++;
    return this.inner.datasync(fd);
  }
}
