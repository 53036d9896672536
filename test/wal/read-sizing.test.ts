import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ForwardingFileIO, NodeFileIO, WalStore, type FileHandle } from '../../src/wal/index.js';
import { entries, logger, memoryDb, payload, tempDir } from './helpers.js';

/** Counts positional reads and the bytes they asked for (the read path's I/O, not its results). */
class CountingIO extends ForwardingFileIO {
  reads = 0;
  requestedBytes = 0;

  override read(fd: FileHandle, into: Uint8Array, position: number): Promise<number> {
    this.count(into);
    return super.read(fd, into, position);
  }

  override readSync(fd: FileHandle, into: Uint8Array, position: number): number {
    this.count(into);
    return super.readSync(fd, into, position);
  }

  reset(): void {
    this.reads = 0;
    this.requestedBytes = 0;
  }

  private count(into: Uint8Array): void {
    this.reads++;
    this.requestedBytes += into.byteLength;
  }
}

const KIB = 1024;
let dir: string;
let cleanup: () => Promise<void>;
let io: CountingIO;
let store: WalStore;

beforeEach(async () => {
  ({ dir, cleanup } = await tempDir());
  io = new CountingIO(new NodeFileIO());
  store = await WalStore.open({ dir, logger, db: memoryDb(), fileIO: io });
});

afterEach(async () => {
  await store.close();
  await cleanup();
});

describe('read sizing', () => {
  it('reads many frames within the budget in one read, and a small budget does not read the whole log', async () => {
    const log = await store.openLog('sized');
    await log.append(entries(1, 64, 1, 64 * KIB));
    io.reset();
    const all = await log.read(1, 65, 1 << 30);
    expect(all.map((e) => e.index)).toEqual(Array.from({ length: 64 }, (_, i) => i + 1));
    expect(all.every((e) => Buffer.from(e.data).equals(Buffer.from(payload(e.index, 64 * KIB))))).toBe(true);
    expect(io.reads).toBe(1);

    io.reset();
    const some = log.readSync(10, 65, 200 * KIB);
    expect(some.map((e) => e.index)).toEqual([10, 11, 12]);
    expect(io.reads).toBe(1);
    // Budget plus slack, not the 4 MiB log.
    expect(io.requestedBytes).toBeLessThan(400 * KIB);

    // A range bounded by hi (not by the budget) stops near hi's frame.
    io.reset();
    const two = await log.read(20, 22, 1 << 30);
    expect(two.map((e) => e.index)).toEqual([20, 21]);
    expect(io.requestedBytes).toBeLessThan(300 * KIB);
  });

  it('a frame larger than the largest read is read whole, in at most two reads', async () => {
    const log = await store.openLog('big');
    const big = 20 * 1024 * KIB;
    await log.append([...entries(1, 2, 1, 100), { index: 3, term: 1, type: 0, data: payload(3, big) }, ...entries(4, 2, 1, 100)]);
    io.reset();
    const got = await log.read(3, 6, 1);
    expect(got.map((e) => [e.index, e.data.byteLength])).toEqual([[3, big]]);
    expect(Buffer.from(got[0]?.data ?? []).equals(Buffer.from(payload(3, big)))).toBe(true);
    expect(io.reads).toBeLessThanOrEqual(2);
    const after = log.readSync(3, 6, 1 << 30);
    expect(after.map((e) => e.index)).toEqual([3, 4, 5]);
  });
});
