import { afterEach, describe, expect, it } from 'vitest';
import { FaultyFileIO, NodeFileIO, WalFailedError, WalOverloadedError, WalStore, type WalDb } from '../../src/wal/index.js';
import { CountingFileIO } from '../../src/wal/testing/counting-file-io.js';
import type { RangeOptions, WalBatchOp } from '../../src/wal/context.js';
import { entries, logger, memoryDb, payload, tempDir } from './helpers.js';

const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

/** Counts LevelDB batches (one per sync round or hard-state tick) around a real MemoryLevel. */
class CountingDb implements WalDb {
  batches = 0;
  constructor(private readonly inner: WalDb) {}
  get status(): string {
    return this.inner.status;
  }
  open(): Promise<void> {
    return this.inner.open();
  }
  close(): Promise<void> {
    return this.inner.close();
  }
  get(key: Buffer): Promise<Buffer | undefined> {
    return this.inner.get(key);
  }
  put(key: Buffer, value: Buffer): Promise<void> {
    return this.inner.put(key, value);
  }
  del(key: Buffer): Promise<void> {
    return this.inner.del(key);
  }
  batch(ops: WalBatchOp[]): Promise<void> {
    this.batches++;
    return this.inner.batch(ops);
  }
  iterator(o: RangeOptions): AsyncIterable<[Buffer, Buffer]> {
    return this.inner.iterator(o);
  }
  keys(o: RangeOptions): AsyncIterable<Buffer> {
    return this.inner.keys(o);
  }
  values(o: RangeOptions): AsyncIterable<Buffer> {
    return this.inner.values(o);
  }
  clear(o: RangeOptions): Promise<void> {
    return this.inner.clear(o);
  }
}

describe('group commit', () => {
  it('N concurrent appends share far fewer syncs (real disk, O_DSYNC writes or fdatasyncs)', async () => {
    const { dir, cleanup } = await tempDir();
    cleanups.push(cleanup);
    const io = new CountingFileIO(new NodeFileIO());
    const store = await WalStore.open({ dir, logger, fileIO: io });
    cleanups.push(() => store.close());
    const log = await store.openLog('g');
    const before = io.syncCalls;
    const n = 500;
    await Promise.all(Array.from({ length: n }, (_, i) => log.append([{ index: i + 1, term: 1, type: 0, data: payload(i + 1) }])));
    const syncs = io.syncCalls - before;
    expect(log.durableLastIndex).toBe(n);
    expect(syncs).toBeGreaterThanOrEqual(1);
    expect(syncs).toBeLessThanOrEqual(5);
  });

  it('appends to many logs that arrive together share one round, one journal fdatasync and one index batch', async () => {
    const { dir, cleanup } = await tempDir();
    cleanups.push(cleanup);
    const io = new CountingFileIO(new NodeFileIO());
    const db = new CountingDb(memoryDb());
    const store = await WalStore.open({ dir, logger, fileIO: io, db });
    cleanups.push(() => store.close());
    const logs = await Promise.all(Array.from({ length: 64 }, (_, i) => store.openLog(`p.t.${i}`)));
    const batches = db.batches;
    const syncs = io.syncCalls;
    await Promise.all(logs.map((l) => l.append(entries(1, 3, 1))));
    // The round's 64 segment writes are journaled: one fdatasync (the journal's) covers them all.
    expect(io.syncCalls - syncs).toBe(1);
    // Index keys are not written per round but flushed (by size or after a short delay); one flush
    // covers every log's round.
    await store.flushIndex();
    expect(db.batches - batches).toBe(1);
    const hsBatches = db.batches;
    await Promise.all(logs.map((l, i) => l.saveHardState({ term: 1, vote: i, commit: 3 })));
    expect(db.batches - hsBatches).toBe(1);
  });

  it('without the journal a round of many logs fdatasyncs each segment', async () => {
    const { dir, cleanup } = await tempDir();
    cleanups.push(cleanup);
    const io = new CountingFileIO(new NodeFileIO());
    const store = await WalStore.open({ dir, logger, fileIO: io, db: memoryDb(), journal: false });
    cleanups.push(() => store.close());
    const logs = await Promise.all(Array.from({ length: 16 }, (_, i) => store.openLog(`p.t.${i}`)));
    const syncs = io.syncCalls;
    await Promise.all(logs.map((l) => l.append(entries(1, 3, 1))));
    expect(io.syncCalls - syncs).toBe(16);
  });

  it('a failed fdatasync fails every waiting append and poisons the log until reopen', async () => {
    const io = new FaultyFileIO({ seed: 7 });
    const db = memoryDb();
    const store = await WalStore.open({ dir: '/data', logger, fileIO: io, db });
    const log = await store.openLog('f');
    await log.append(entries(1, 5, 1));
    io.failNextDatasync();
    const results = await Promise.allSettled([log.append(entries(6, 1, 1)), log.append(entries(7, 1, 1))]);
    expect(results.map((r) => r.status)).toEqual(['rejected', 'rejected']);
    expect(log.failure).toBeInstanceOf(WalFailedError);
    await expect(log.append(entries(8, 1, 1))).rejects.toBeInstanceOf(WalFailedError);
    await expect(log.truncateSuffix(3)).rejects.toBeInstanceOf(WalFailedError);
    io.crash({ tear: 'none' });
    const store2 = await WalStore.open({ dir: '/data', logger, fileIO: io, db });
    const log2 = await store2.openLog('f');
    expect(log2.lastIndex).toBe(5);
    await log2.append(entries(6, 2, 2));
    expect(log2.readSync(1, 8, 1 << 20).map((e) => e.term)).toEqual([1, 1, 1, 1, 1, 2, 2]);
    await store2.close();
  });

  it('bounds the bytes waiting for sync per log', async () => {
    const io = new FaultyFileIO();
    const store = await WalStore.open({ dir: '/b', logger, fileIO: io, db: memoryDb(), maxPendingBytes: 1000 });
    const log = await store.openLog('b');
    const first = log.append(entries(1, 1, 1, 900));
    await expect(log.append(entries(2, 1, 1, 200))).rejects.toBeInstanceOf(WalOverloadedError);
    expect(log.lastIndex).toBe(1);
    await first;
    await log.append(entries(2, 1, 1, 200));
    await log.append(entries(3, 1, 1, 5000)); // alone it may exceed the bound
    expect(log.durableLastIndex).toBe(3);
    await store.close();
  });

  it('fsync: never skips fdatasync entirely', async () => {
    const io = new FaultyFileIO();
    const store = await WalStore.open({ dir: '/d', logger, fileIO: io, db: memoryDb(), fsync: 'never' });
    const log = await store.openLog('n');
    await log.append(entries(1, 10, 1));
    expect(io.datasyncCalls).toBe(0);
    await store.close();
  });
});

describe('store close', () => {
  it('a hard-state save issued just before close is durable', async () => {
    const { dir, cleanup } = await tempDir();
    cleanups.push(cleanup);
    const store = await WalStore.open({ dir, logger }); // owns (and closes) its LevelDB
    const log = await store.openLog('h');
    const saved = log.saveHardState({ term: 9, vote: 3, commit: 0 });
    await store.close();
    await saved;
    const store2 = await WalStore.open({ dir, logger });
    expect((await store2.openLog('h')).hardState).toEqual({ term: 9, vote: 3, commit: 0 });
    await store2.close();
  });
});
