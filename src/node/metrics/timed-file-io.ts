import { ForwardingFileIO, type FileHandle, type FileIO } from '../../wal/index.js';

/** Receives one sample per datasync, in seconds. */
export type FsyncObserver = (seconds: number) => void;

/**
 * A FileIO that times `datasync` (the WAL's fsync) and forwards everything else. The WAL takes its
 * file layer by injection, so fsync latency is measured without touching the WAL itself.
 */
export class TimedFileIO extends ForwardingFileIO {
  constructor(
    inner: FileIO,
    private readonly observe: FsyncObserver,
  ) {
    super(inner);
  }

  override async datasync(fd: FileHandle): Promise<void> {
    const start = performance.now();
    try {
      await this.inner.datasync(fd);
    } finally {
      this.observe((performance.now() - start) / 1000);
    }
  }
}
