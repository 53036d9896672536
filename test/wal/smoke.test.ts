import { afterEach, describe, expect, it } from 'vitest';
import { WalStore } from '../../src/wal/index.js';
import { entries, logger, tempDir } from './helpers.js';

describe('wal smoke', () => {
  const cleanups: Array<() => Promise<void>> = [];
  afterEach(async () => {
    for (const c of cleanups.splice(0)) await c();
  });

  it('appends, reads, reopens', async () => {
    const { dir, cleanup } = await tempDir();
    cleanups.push(cleanup);
    const store = await WalStore.open({ dir, logger, segmentBytes: 2048 });
    const log = await store.openLog('p.t.0');
    await Promise.all([log.append(entries(1, 10, 1)), log.append(entries(11, 40, 2))]);
    expect(log.lastIndex).toBe(50);
    expect(log.readSync(1, 51, 1 << 20).map((e) => e.index)).toEqual(Array.from({ length: 50 }, (_, i) => i + 1));
    expect((await log.read(20, 30, 1 << 20)).map((e) => e.term)).toEqual(Array(10).fill(2));
    expect(log.segments().length).toBeGreaterThan(1);
    await store.close();
    const store2 = await WalStore.open({ dir, logger, segmentBytes: 2048 });
    const log2 = await store2.openLog('p.t.0');
    expect(log2.lastIndex).toBe(50);
    expect(log2.termAt(10)).toBe(1);
    expect(log2.termAt(11)).toBe(2);
    expect((await log2.read(1, 51, 1 << 20)).map((e) => Buffer.from(e.data).toString('hex'))).toEqual(
      entries(1, 50, 0).map((e) => Buffer.from(e.data).toString('hex')),
    );
    await store2.close();
  });
});
