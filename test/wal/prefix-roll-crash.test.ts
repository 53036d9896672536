/**
 * A prefix deletion that empties the log keeps the last segment (and the index marker in it); the
 * next round rolls to a new segment, and opening after a crash drops the old one (row 10). A power
 * loss during that first round, with pages written back out of order, leaves a torn frame followed
 * by valid, unacknowledged ones: the marker's segment is gone, but the mark (start of the new
 * segment) still lets row 13 cut the tail instead of refusing the log as corrupt.
 */
import { describe, expect, it } from 'vitest';
import type { pino } from 'pino';
import { FaultyFileIO, WalStore, type SyncMode, type WalDb } from '../../src/wal/index.js';
import { Fence, FencedDb, FencedFileIO } from '../../src/wal/testing/fenced.js';
import { capturingLogger, entries, memoryDb } from './helpers.js';

/** Frames of 128 bytes: seven fill a 1000-byte segment, the eighth rolls. */
const PAYLOAD_BYTES = 100;

async function open(io: FaultyFileIO, db: WalDb, fence: Fence, logger: pino.Logger, syncMode: SyncMode): Promise<WalStore> {
  return WalStore.open({ dir: '/n', logger, fileIO: new FencedFileIO(io, fence), db: new FencedDb(db, fence), segmentBytes: 1000, syncMode });
}

/** Returns the reopened log's last index; throws if reopening refuses the log. */
async function run(seed: number, afterOps: number, syncMode: SyncMode, logger: pino.Logger): Promise<number> {
  const io = new FaultyFileIO({ seed });
  const db = memoryDb();
  const fence = new Fence();
  const store = await open(io, db, fence, logger, syncMode);
  const log = await store.openLog('p');
  await log.append(entries(1, 7, 1, PAYLOAD_BYTES));
  await store.flushIndex();
  await log.deletePrefix(8);
  io.crashAfterOps(afterOps, { tear: 'reorder', pageBytes: 32 });
  await log.append(entries(8, 4, 1, PAYLOAD_BYTES)).catch(() => undefined);
  io.crash({ tear: 'reorder', pageBytes: 32 });
  fence.kill();
  const reopened = await open(io, db, new Fence(), logger, syncMode);
  const got = await reopened.openLog('p');
  expect(got.firstIndex).toBe(8);
  const last = got.lastIndex;
  await reopened.close();
  return last;
}

describe('power loss in the first round after a prefix deletion emptied the log', () => {
  for (const mode of ['dsync', 'fdatasync'] as const) {
    it(`reopens at every crash point, cutting a reordered tail by row 13 (${mode})`, async () => {
      const { lines, log: logger } = capturingLogger();
      for (let seed = 1; seed <= 8; seed++) {
        // The round's mutating calls: the old segment's trim and fdatasync, the new segment's five
        // (open, truncate, header, fdatasync, directory), its preallocation, the write, the sync.
        for (let afterOps = 1; afterOps <= 10; afterOps++) {
          const last = await run(seed, afterOps, mode, logger);
          expect(last).toBeGreaterThanOrEqual(7);
          expect(last).toBeLessThanOrEqual(11);
        }
      }
      expect(lines.map((l) => l.row)).toContain('13');
    });
  }
});
