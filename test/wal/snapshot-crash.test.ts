import { describe, expect, it } from 'vitest';
import { FaultyFileIO, WalStore } from '../../src/wal/index.js';
import { entries, logger, memoryDb } from './helpers.js';

describe('installSnapshot under power loss', () => {
  it('a crash at any file operation after the intent is recorded finishes the install on reopen', async () => {
    const outcomes = new Set<string>();
    for (let crashAt = 1; crashAt <= 12; crashAt++) {
      const io = new FaultyFileIO({ seed: crashAt });
      const db = memoryDb();
      const open = async (): Promise<{ store: WalStore; log: Awaited<ReturnType<WalStore['openLog']>> }> => {
        const store = await WalStore.open({ dir: '/n', logger, fileIO: io, db, segmentBytes: 300 });
        return { store, log: await store.openLog('s') };
      };
      const { log } = await open();
      await log.append(entries(1, 40, 2));
      io.crashAfterOps(crashAt);
      const installed = await log.installSnapshot({ index: 100, term: 5, data: Buffer.from('snap') }).then(
        () => true,
        () => false,
      );
      io.crash();
      const { store, log: after } = await open();
      const state = after.firstIndex === 101 ? 'snapshot' : 'old';
      outcomes.add(state);
      if (installed) expect(state).toBe('snapshot');
      if (state === 'snapshot') {
        expect([after.lastIndex, after.termAt(100)]).toEqual([100, 5]);
        expect(after.segments().map((s) => s.baseIndex)).toEqual([101]);
        await after.append(entries(101, 3, 5));
        expect(after.readSync(101, 104, 1 << 20).map((e) => e.index)).toEqual([101, 102, 103]);
      } else {
        expect([after.firstIndex, after.lastIndex]).toEqual([1, 40]);
        expect(after.readSync(1, 41, 1 << 20).map((e) => e.term)).toEqual(Array(40).fill(2));
      }
      await store.close();
    }
    // The synced intent record precedes every file operation, so it is the commit point: each crash
    // after it must be finished on reopen (stale segments removed, the fresh segment created).
    expect(outcomes).toEqual(new Set(['snapshot']));
  });
});
