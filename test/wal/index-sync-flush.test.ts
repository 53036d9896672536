/**
 * Index ops are written to LevelDB while a round's fdatasync is in flight once many are pending,
 * instead of waiting for the flush delay (whose one large batch used to stall a round); with many
 * logs and few ops each (one marker per log would dominate the batch) they still wait.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { FaultyFileIO, WalStore } from '../../src/wal/index.js';
import type { WalBatchOp } from '../../src/wal/context.js';
import { indexFlushDueWhileSyncing } from '../../src/wal/group-commit.js';
import { logger, memoryDb, payload, recordingDb, SyncGate } from './helpers.js';

const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

describe('index flush while a round syncs', () => {
  it('writes a large pending index batch during the next fdatasync, not after the flush delay', async () => {
    const gate = new SyncGate(new FaultyFileIO({ seed: 5 }));
    const batches: Array<{ ops: WalBatchOp[]; duringSync: boolean }> = [];
    let batchArrived: () => void = () => undefined;
    let indexBatch = new Promise<void>((r) => (batchArrived = r));
    const db = recordingDb((ops) => {
      batches.push({ ops, duringSync: gate.held });
      batchArrived();
    });
    // An index point per frame, and a flush delay far beyond the test: only the sync flush can write.
    const store = await WalStore.open({ dir: '/w', logger, fileIO: gate, db, indexIntervalBytes: 1, indexFlushDelayMs: 600_000 });
    cleanups.push(() => store.close());
    const log = await store.openLog('big');
    // Opening the store and the log wrote their own batches; only the index flushes count from here.
    batches.length = 0;
    // One round of 300 entries: 300 index points pending once it completes (no fdatasync held yet).
    await Promise.all(Array.from({ length: 300 }, (_, i) => log.append([{ index: i + 1, term: 1, type: 0, data: payload(i + 1, 64) }])));
    expect(batches).toHaveLength(0);
    indexBatch = new Promise<void>((r) => (batchArrived = r));
    gate.hold();
    const next = log.append([{ index: 301, term: 1, type: 0, data: payload(301, 64) }]);
    await gate.arrived;
    await indexBatch;
    // The batch went out while the round's fdatasync was still held, and that append is not durable.
    expect(batches).toHaveLength(1);
    expect(batches[0]?.duringSync).toBe(true);
    expect(log.durableLastIndex).toBe(300);
    // 300 index points, the first entry's term key and the log's marker, each key once.
    const keys = new Set(batches[0]?.ops.map((o) => o.key.toString('hex')));
    expect(batches[0]?.ops).toHaveLength(302);
    expect(keys.size).toBe(302);
    gate.release();
    await next;
    expect(log.durableLastIndex).toBe(301);
  });

  it('refuses a flush delay that a timer cannot hold', async () => {
    for (const indexFlushDelayMs of [0, -1, Number.NaN, 2 ** 31]) {
      await expect(WalStore.open({ dir: '/w', logger, fileIO: new FaultyFileIO({ seed: 1 }), db: memoryDb(), indexFlushDelayMs })).rejects.toThrow(/indexFlushDelayMs/);
    }
  });

  it('leaves a batch of many logs with few ops each to the flush delay', () => {
    // The WAL bench's single log: 64 points a round, flushed every 4 rounds.
    expect(indexFlushDueWhileSyncing(256, 1)).toBe(true);
    expect(indexFlushDueWhileSyncing(255, 1)).toBe(false);
    // 100 Raft groups with a few points each: the 100 markers would be a third of the batch.
    expect(indexFlushDueWhileSyncing(300, 100)).toBe(false);
    expect(indexFlushDueWhileSyncing(1600, 100)).toBe(true);
  });
});
