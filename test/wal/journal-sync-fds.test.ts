import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import { ForwardingFileIO, NodeFileIO, type FileHandle, type FileOpenOptions as OpenOptions } from '../../src/wal/index.js';
import { Journal } from '../../src/wal/journal.js';

/** Records which path each handle was opened on and which handles fdatasync went through. */
class Recording extends ForwardingFileIO {
  readonly opened = new Map<FileHandle, string>();
  readonly synced: FileHandle[] = [];
  constructor() {
    super(new NodeFileIO());
  }
  override async open(path: string, opts: OpenOptions): Promise<FileHandle> {
    const fd = await super.open(path, opts);
    this.opened.set(fd, path);
    return fd;
  }
  override datasync(fd: FileHandle): Promise<void> {
    this.synced.push(fd);
    return super.datasync(fd);
  }
}

describe('journal fdatasyncs', () => {
  let dir: string | undefined;
  afterEach(async () => {
    if (dir !== undefined) await rm(dir, { recursive: true, force: true });
    dir = undefined;
  });

  it('alternate between two open file descriptions of the journal file, so two overlapping ones are both told of a write error', async () => {
    dir = await mkdtemp(join(tmpdir(), 'chronik-journal-fds-'));
    const io = new Recording();
    const journal = await Journal.start(io, dir, 1, pino({ level: 'silent' }));
    const created = io.synced.length;
    // Two rounds' fdatasyncs in flight at once (the pipeline's overlap), then a third.
    await Promise.all([journal.sync(), journal.sync()]);
    await journal.sync();
    const [a, b, c] = io.synced.slice(created);
    expect(a).not.toBe(b);
    expect(c).toBe(a);
    const path = io.opened.get(a as FileHandle);
    expect(path).toMatch(/journal/);
    expect(io.opened.get(b as FileHandle)).toBe(path);
    await journal.close();
  });
});
