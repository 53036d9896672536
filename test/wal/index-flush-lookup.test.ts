/**
 * Offset and timestamp lookups while an index flush is being written: the flush has taken the ops
 * out of the log's pending list, and LevelDB's covered range moves only once the batch is written,
 * so a lookup in that window must still find them (a Fetch at a committed offset came back empty
 * under load before).
 */
import { afterEach, describe, expect, it } from 'vitest';
import { FaultyFileIO, WalStore, type WalDb } from '../../src/wal/index.js';
import type { WalBatchOp } from '../../src/wal/context.js';
import { logger, memoryDb, recordBatch } from './helpers.js';

const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

/** A MemoryLevel whose batch writes wait for `release()` while held; `arrived` resolves when one waits. */
function heldBatchDb(): { db: WalDb; hold: () => void; release: () => void; arrived: () => Promise<void> } {
  const inner = memoryDb();
  let gate: Promise<void> | undefined;
  let open: () => void = () => undefined;
  let arrive: () => void = () => undefined;
  let arrival: Promise<void> = Promise.resolve();
  const db = new Proxy(inner, {
    get(target, prop): unknown {
      if (prop === 'batch') {
        return async (ops: WalBatchOp[], ...rest: unknown[]) => {
          if (gate !== undefined) {
            arrive();
            await gate;
          }
          return (target.batch as (o: WalBatchOp[], ...r: unknown[]) => Promise<void>)(ops, ...rest);
        };
      }
      const v: unknown = Reflect.get(target, prop, target);
      return typeof v === 'function' ? (v as (...a: unknown[]) => unknown).bind(target) : v;
    },
  });
  return {
    db,
    hold: () => {
      gate = new Promise<void>((r) => (open = r));
      arrival = new Promise<void>((r) => (arrive = r));
    },
    release: () => {
      gate = undefined;
      open();
    },
    arrived: () => arrival,
  };
}

describe('lookups during an index flush', () => {
  it('findOffset and findTimestamp see the batches whose index keys are being written', async () => {
    const held = heldBatchDb();
    const store = await WalStore.open({ dir: '/w', logger, fileIO: new FaultyFileIO({ seed: 3 }), db: held.db });
    cleanups.push(() => store.close());
    const log = await store.openLog('p.t-0');
    for (let i = 0; i < 4; i++) await log.append([{ index: i + 1, term: 1, type: 2, data: recordBatch(10 * i, 10, 1000 + i) }]);
    held.hold();
    const flushing = store.flushIndex();
    await held.arrived();
    // The flush has taken every op and its LevelDB batch is not written yet.
    expect(await log.findOffset(0)).toBe(1);
    expect(await log.findOffset(25)).toBe(3);
    expect(await log.findOffset(39)).toBe(4);
    expect(await log.findOffset(40)).toBeUndefined();
    expect(await log.findTimestamp(1002)).toBe(20);
    // Appends made meanwhile are pending behind the flushing ones: both are searched, in order.
    await log.append([{ index: 5, term: 1, type: 2, data: recordBatch(40, 10, 1004) }]);
    expect(await log.findOffset(45)).toBe(5);
    expect(await log.findOffset(15)).toBe(2);
    held.release();
    await flushing;
    expect(await log.findOffset(25)).toBe(3);
    expect(await log.findOffset(45)).toBe(5);
    await store.flushIndex();
    expect(await log.findOffset(45)).toBe(5);
    expect(await log.findTimestamp(1004)).toBe(40);
  });
});
