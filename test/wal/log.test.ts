import { afterEach, describe, expect, it } from 'vitest';
import { rm } from 'node:fs/promises';
import { MemoryLevel } from 'memory-level';
import { WalCompactedError, WalStore, type WalDb, type WalLog } from '../../src/wal/index.js';
import { entries, logger, memoryDb, payload, recordBatch, tempDir } from './helpers.js';

const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

async function openStore(dir: string, extra: { db?: WalDb } = {}): Promise<WalStore> {
  const store = await WalStore.open({ dir, logger, segmentBytes: 4096, indexIntervalBytes: 256, ...extra });
  cleanups.push(() => store.close());
  return store;
}

async function fresh(): Promise<{ dir: string; store: WalStore; log: WalLog }> {
  const { dir, cleanup } = await tempDir();
  cleanups.push(cleanup);
  const store = await openStore(dir);
  return { dir, store, log: await store.openLog('p.orders.0', { kind: 'partition' }) };
}

function hex(e: { data: Uint8Array }): string {
  return Buffer.from(e.data).toString('hex');
}

/** Appends `n` record batches of 3 records each (offsets 3k..3k+2), timestamps 1000 + 10k. */
async function appendBatches(log: WalLog, n: number, term = 1): Promise<void> {
  const start = log.lastIndex + 1;
  const firstOffset = log.nextOffset;
  const batch = Array.from({ length: n }, (_, i) => ({
    index: start + i,
    term,
    type: 2,
    data: recordBatch(firstOffset + 3 * i, 3, 1000 + 10 * ((firstOffset / 3) + i)),
  }));
  await log.append(batch);
}

describe('WalLog reads', () => {
  it('returns at least one entry even past maxBytes, then respects the budget', async () => {
    const { log } = await fresh();
    await log.append(entries(1, 20, 1, 100));
    expect(log.readSync(1, 21, 10)).toHaveLength(1);
    expect(await log.read(1, 21, 10)).toHaveLength(1);
    expect(log.readSync(3, 21, 250).map((e) => e.index)).toEqual([3, 4]);
    expect((await log.read(3, 21, 250)).map((e) => e.index)).toEqual([3, 4]);
    expect(log.readSync(5, 5, 100)).toEqual([]);
  });

  it('reads every range identically sync and async, across segments', async () => {
    const { log } = await fresh();
    await log.append(entries(1, 300, 1));
    await log.append(entries(301, 100, 3));
    expect(log.segments().length).toBeGreaterThan(3);
    for (const [lo, hi] of [[1, 401], [57, 58], [120, 333], [300, 302], [400, 401]] as const) {
      const a = log.readSync(lo, hi, 1 << 30);
      const b = await log.read(lo, hi, 1 << 30);
      expect(a.map((e) => e.index)).toEqual(Array.from({ length: hi - lo }, (_, i) => lo + i));
      expect(a.map(hex)).toEqual(b.map(hex));
      expect(a.map(hex)).toEqual(entries(lo, hi - lo, 0).map(hex));
    }
    expect(log.termAt(300)).toBe(1);
    expect(log.termAt(301)).toBe(3);
    expect(log.termAt(0)).toBe(0);
  });

  it('serves entries not yet durable from memory', async () => {
    const { log } = await fresh();
    const p = log.append(entries(1, 5, 1));
    expect(log.lastIndex).toBe(5);
    expect(log.readSync(2, 6, 1 << 20).map((e) => e.index)).toEqual([2, 3, 4, 5]);
    await p;
    expect(log.durableLastIndex).toBe(5);
  });
});

describe('WalLog truncation and prefix deletion', () => {
  it('truncates a suffix mid-segment and at a segment boundary, and the result survives reopen', async () => {
    const { dir, store, log } = await fresh();
    await log.append(entries(1, 200, 1));
    await log.truncateSuffix(150);
    expect(log.lastIndex).toBe(150);
    await log.append(entries(151, 10, 2));
    const seg = log.segments()[2];
    if (seg === undefined) throw new Error('expected 3 segments');
    await log.truncateSuffix(seg.baseIndex - 1);
    expect(log.lastIndex).toBe(seg.baseIndex - 1);
    expect(log.segments().at(-1)?.baseIndex).toBeLessThan(seg.baseIndex);
    await log.append(entries(seg.baseIndex, 5, 3));
    const want = log.readSync(1, log.lastIndex + 1, 1 << 30).map((e) => [e.index, e.term, hex(e)]);
    await store.close();
    const store2 = await openStore(dir);
    const log2 = await store2.openLog('p.orders.0');
    expect(log2.readSync(1, log2.lastIndex + 1, 1 << 30).map((e) => [e.index, e.term, hex(e)])).toEqual(want);
    expect(log2.termAt(log2.lastIndex)).toBe(3);
  });

  it('deletes a prefix: whole segments go, reads below first index are compacted, survives reopen', async () => {
    const { dir, store, log } = await fresh();
    await log.append(entries(1, 300, 1));
    const segsBefore = log.segments().length;
    await log.deletePrefix(120);
    expect(log.firstIndex).toBe(120);
    expect(log.segments().length).toBeLessThan(segsBefore);
    expect(log.segments()[0]?.baseIndex).toBeLessThanOrEqual(120);
    expect(() => log.readSync(119, 121, 100)).toThrow(WalCompactedError);
    await expect(log.read(100, 121, 100)).rejects.toThrow(WalCompactedError);
    expect(log.termAt(119)).toBe(1);
    expect(() => log.termAt(10)).toThrow(WalCompactedError);
    expect(log.readSync(120, 301, 1 << 30).map(hex)).toEqual(entries(120, 181, 0).map(hex));
    await store.close();
    const log2 = await (await openStore(dir)).openLog('p.orders.0');
    expect(log2.firstIndex).toBe(120);
    expect(log2.lastIndex).toBe(300);
    expect(log2.termAt(119)).toBe(1);
    expect((await log2.read(120, 301, 1 << 30)).map(hex)).toEqual(entries(120, 181, 0).map(hex));
  });

  it('installs a snapshot: the log restarts after it and remembers the next offset', async () => {
    const { dir, store, log } = await fresh();
    await appendBatches(log, 50);
    await log.installSnapshot({ index: 500, term: 7, data: Buffer.from('image'), nextOffset: 9000 });
    expect(log.firstIndex).toBe(501);
    expect(log.lastIndex).toBe(500);
    expect(log.termAt(500)).toBe(7);
    expect(log.nextOffset).toBe(9000);
    expect(log.logStartOffset).toBe(9000);
    await log.append([{ index: 501, term: 7, type: 2, data: recordBatch(9000, 5, 5) }]);
    await store.close();
    const log2 = await (await openStore(dir)).openLog('p.orders.0');
    // The first entry after a snapshot shares its term: its term must still be recorded (regression).
    expect([log2.firstIndex, log2.lastIndex, log2.termAt(500), log2.termAt(501), log2.nextOffset]).toEqual([501, 501, 7, 7, 9005]);
    expect(Buffer.from(log2.snapshot?.data ?? []).toString()).toBe('image');
    expect(await log2.findOffset(9002)).toBe(501);
  });
});

describe('partition queries', () => {
  it('finds offsets and timestamps with seeks, before and after prefix deletion', async () => {
    const { log } = await fresh();
    await appendBatches(log, 100);
    expect(log.nextOffset).toBe(300);
    expect(await log.findOffset(0)).toBe(1);
    expect(await log.findOffset(4)).toBe(2);
    expect(await log.findOffset(299)).toBe(100);
    expect(await log.findOffset(300)).toBeUndefined();
    expect(await log.findTimestamp(0)).toBe(0);
    expect(await log.findTimestamp(1005)).toBe(3);
    expect(await log.findTimestamp(1990)).toBe(297);
    expect(await log.findTimestamp(5000)).toBeUndefined();
    await log.deletePrefix(41);
    expect(log.logStartOffset).toBe(120);
    expect(await log.findOffset(3)).toBe(41);
    expect(await log.findTimestamp(0)).toBe(120);
    expect(log.nextOffset).toBe(300);
  });

  it('answers the same before and after the pending index ops reach LevelDB', async () => {
    const { store, log } = await fresh();
    await appendBatches(log, 60);
    await store.flushIndex();
    await appendBatches(log, 60); // these stay pending: the flush delay has not passed
    const ask = async (): Promise<unknown> => ({
      offsets: await Promise.all([0, 100, 179, 180, 250, 359, 360].map((o) => log.findOffset(o))),
      times: await Promise.all([0, 1595, 1600, 1601, 2190, 2191].map((t) => log.findTimestamp(t))),
      data: (await log.read(50, 121, 1 << 30)).map(hex),
    });
    const before = await ask();
    await store.flushIndex();
    expect(await ask()).toEqual(before);
    expect((before as { offsets: unknown[] }).offsets).toEqual([1, 34, 60, 61, 84, 120, undefined]);
  });

  it('keeps the last offset across truncation', async () => {
    const { log } = await fresh();
    await appendBatches(log, 10);
    await log.truncateSuffix(6);
    expect(log.nextOffset).toBe(18);
    expect(await log.findOffset(18)).toBeUndefined();
    expect(await log.findTimestamp(1065)).toBeUndefined();
    await appendBatches(log, 1, 2);
    expect(await log.findOffset(19)).toBe(7);
  });
});

describe('hard state and store', () => {
  it('saves hard state durably and lists and deletes logs', async () => {
    const { dir, store, log } = await fresh();
    const other = await store.openLog('__meta');
    await Promise.all([log.saveHardState({ term: 3, vote: 2, commit: 10 }), other.saveHardState({ term: 1, vote: 1, commit: 0 })]);
    await store.close();
    const store2 = await openStore(dir);
    expect((await store2.openLog('p.orders.0')).hardState).toEqual({ term: 3, vote: 2, commit: 10 });
    expect((await store2.listLogs()).sort()).toEqual(['__meta', 'p.orders.0']);
    await store2.deleteLog('p.orders.0');
    expect(await store2.listLogs()).toEqual(['__meta']);
    const again = await store2.openLog('p.orders.0');
    expect([again.firstIndex, again.lastIndex]).toEqual([1, 0]);
  });
});

describe('index is derived state', () => {
  it('rebuilds from the segments after the LevelDB directory is deleted', async () => {
    const { dir, store, log } = await fresh();
    await appendBatches(log, 150);
    await log.append([{ index: 151, term: 2, type: 0, data: payload(151) }]);
    await appendBatches(log, 20, 2);
    const answers = async (l: WalLog): Promise<unknown> => ({
      first: l.firstIndex,
      last: l.lastIndex,
      next: l.nextOffset,
      terms: [l.termAt(150), l.termAt(151), l.termAt(171)],
      offsets: await Promise.all([0, 5, 200, 449, 450, 509].map((o) => l.findOffset(o))),
      times: await Promise.all([0, 1004, 2000, 2500, 99999].map((t) => l.findTimestamp(t))),
      data: (await l.read(1, l.lastIndex + 1, 1 << 30)).map(hex),
      segs: l.segments().map((s) => [s.baseIndex, s.lastIndex, s.sizeBytes]),
    });
    const before = await answers(log);
    await store.close();
    await rm(`${dir}/index`, { recursive: true, force: true });
    const log2 = await (await openStore(dir)).openLog('p.orders.0');
    expect(await answers(log2)).toEqual(before);
  });

  it('rebuilds when the index points past the end of the segments', async () => {
    const { dir, store, log } = await fresh();
    await log.append(entries(1, 100, 1));
    const last = log.segments().at(-1);
    if (last === undefined) throw new Error('no segment');
    await store.close();
    // Data the index says is there went missing (e.g. a disk that lied about fsync).
    const { truncate } = await import('node:fs/promises');
    await truncate(last.file, 24);
    const log2 = await (await openStore(dir)).openLog('p.orders.0');
    expect(log2.lastIndex).toBe(last.baseIndex - 1);
    expect((await log2.read(1, log2.lastIndex + 1, 1 << 30)).map(hex)).toEqual(entries(1, last.baseIndex - 1, 0).map(hex));
    await log2.append(entries(last.baseIndex, 2, 1));
    expect(log2.readSync(last.baseIndex, last.baseIndex + 2, 1 << 20)).toHaveLength(2);
  });

  it('catches up when the index is behind the segments', async () => {
    const { dir, cleanup } = await tempDir();
    cleanups.push(cleanup);
    const db = memoryDb();
    const store = await WalStore.open({ dir, logger, segmentBytes: 4096, indexIntervalBytes: 256, db });
    const log = await store.openLog('p.x.1');
    await appendBatches(log, 40);
    const old = new MemoryLevel<Buffer, Buffer>({ keyEncoding: 'buffer', valueEncoding: 'buffer' });
    for await (const [k, v] of db.iterator({})) await old.put(k, v);
    await appendBatches(log, 60);
    const want = { last: log.lastIndex, next: log.nextOffset, found: await log.findOffset(250), ts: await log.findTimestamp(1900) };
    await store.close();
    const store2 = await WalStore.open({ dir, logger, segmentBytes: 4096, indexIntervalBytes: 256, db: old });
    cleanups.push(() => store2.close());
    const log2 = await store2.openLog('p.x.1');
    expect({ last: log2.lastIndex, next: log2.nextOffset, found: await log2.findOffset(250), ts: await log2.findTimestamp(1900) }).toEqual(want);
    expect((await log2.read(1, 101, 1 << 30)).length).toBe(100);
  });
});
