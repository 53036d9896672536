/**
 * The cheap group-commit path keeps its promises: appends that share a waiter resolve only once
 * every one of their entries is durable (even when the waiter spans rounds), a round's index ops
 * are derived while its fdatasync is held without reads seeing anything wrong, and an index flush
 * writes each key once (one marker per log, however many rounds it covers).
 */
import { afterEach, describe, expect, it } from 'vitest';
import { FaultyFileIO, WalStore } from '../../src/wal/index.js';
import type { WalBatchOp } from '../../src/wal/context.js';
import { LogKeys } from '../../src/wal/keys.js';
import { CountingFileIO } from '../../src/wal/testing/counting-file-io.js';
import { entries, logger, memoryDb, payload, recordingDb, SyncGate } from './helpers.js';

const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

describe('group commit bookkeeping', () => {
  it('appends that share a waiter across several rounds each resolve only after their own entries are durable', async () => {
    const io = new CountingFileIO(new FaultyFileIO({ seed: 3 }));
    // 1 KiB entries, rounds of at most 4 KiB: the 64 appends made in one tick span 16 rounds.
    const store = await WalStore.open({ dir: '/w', logger, fileIO: io, db: memoryDb(), maxRoundBytes: 4096 });
    cleanups.push(() => store.close());
    const log = await store.openLog('shared');
    const syncsBefore = io.syncCalls;
    const seen: Array<{ index: number; durable: number }> = [];
    await Promise.all(
      Array.from({ length: 64 }, (_, i) =>
        log.append([{ index: i + 1, term: 1, type: 0, data: payload(i + 1, 1024) }]).then(() => seen.push({ index: i + 1, durable: log.durableLastIndex })),
      ),
    );
    expect(io.syncCalls - syncsBefore).toBeGreaterThanOrEqual(16);
    expect(seen).toHaveLength(64);
    for (const s of seen) expect(s.durable).toBeGreaterThanOrEqual(s.index);
    // An append after those rounds gets a waiter of its own and resolves after its own round.
    await log.append([{ index: 65, term: 1, type: 0, data: payload(65, 1024) }]);
    expect(log.durableLastIndex).toBe(65);
  });

  it("derives a round's index while its fdatasync is held: reads serve the round from memory until it is durable", async () => {
    const gate = new SyncGate(new FaultyFileIO({ seed: 5 }));
    const store = await WalStore.open({ dir: '/w', logger, fileIO: gate, db: memoryDb(), indexIntervalBytes: 512 });
    cleanups.push(() => store.close());
    const log = await store.openLog('held');
    await log.append(entries(1, 20, 1, 300));
    gate.hold();
    let resolved = false;
    const second = log.append(entries(21, 20, 2, 300)).then(() => (resolved = true));
    await gate.arrived;
    expect(resolved).toBe(false);
    expect(log.durableLastIndex).toBe(20);
    const check = (got: Array<{ index: number; term: number; data: Uint8Array }>): void => {
      expect(got.map((e) => e.index)).toEqual(Array.from({ length: 40 }, (_, i) => i + 1));
      got.forEach((e) => {
        expect(e.term).toBe(e.index <= 20 ? 1 : 2);
        expect(Buffer.from(e.data).equals(Buffer.from(payload(e.index, 300)))).toBe(true);
      });
    };
    check(log.readSync(1, 41, 1 << 20));
    check(await log.read(1, 41, 1 << 20));
    expect(log.termAt(30)).toBe(2);
    gate.release();
    await second;
    expect(log.durableLastIndex).toBe(40);
    check(log.readSync(1, 41, 1 << 20));
  });

  it('an index flush writes every key once: one marker per log for all the rounds it covers', async () => {
    const batches: WalBatchOp[][] = [];
    const store = await WalStore.open({ dir: '/w', logger, fileIO: new FaultyFileIO({ seed: 7 }), db: recordingDb((ops) => batches.push(ops)) });
    cleanups.push(() => store.close());
    const log = await store.openLog('marks');
    // 30 rounds of one small entry each, all durable before the flush.
    for (let i = 1; i <= 30; i++) await log.append(entries(i, 1, 1));
    batches.length = 0;
    await store.flushIndex();
    const marker = new LogKeys('marks').marker(0).toString('hex');
    const ops = batches.flat();
    const keys = ops.map((op) => op.key.toString('hex'));
    expect(new Set(keys).size).toBe(keys.length);
    expect(keys.filter((k) => k === marker)).toHaveLength(1);
    // 30 frames of ~60 bytes: one sparse point, one term key and the marker.
    expect(ops.length).toBeLessThanOrEqual(3);
    await log.close();
    const again = await store.openLog('marks');
    expect(again.lastIndex).toBe(30);
    expect(again.readSync(30, 31, 1 << 20)[0]?.index).toBe(30);
  });
});
