/**
 * A round that rolls to a new segment while the previous round is still in flight, driven step by
 * step by holding file calls: the old segment is made durable before the new one gets frames, even
 * when the rolling round adds no frame to the old one (the previous round's fdatasync of it may
 * still be running: the roll's own fdatasync waits for it, never overlapping it). Before this rule
 * such a power loss left a segment missing its frames ahead of a newer one, and the log refused to
 * open (row 8).
 */
import { describe, expect, it } from 'vitest';
import { FaultyFileIO, ForwardingFileIO, WalStore, type FileHandle, type SyncMode } from '../../src/wal/index.js';
import { Fence, FencedDb, FencedFileIO } from '../../src/wal/testing/fenced.js';
import { entries, logger, memoryDb } from './helpers.js';

type Kind = 'write' | 'datasync';

interface Hold {
  kind: Kind;
  /** Only writes at a position above this are held (a segment header is written at 0). */
  abovePosition: number;
  arrived: () => void;
  released: Promise<void>;
}

/** Holds the next matching call until released; `reached` resolves when that call arrives. */
class HoldingIO extends ForwardingFileIO {
  private readonly holds: Hold[] = [];

  hold(kind: Kind, abovePosition = -1): { reached: Promise<void>; release: () => void } {
    let arrived = (): void => undefined;
    let release = (): void => undefined;
    const reached = new Promise<void>((r) => (arrived = r));
    const released = new Promise<void>((r) => (release = r));
    this.holds.push({ kind, abovePosition, arrived, released });
    return { reached, release };
  }

  private async gate(kind: Kind, position: number): Promise<void> {
    const i = this.holds.findIndex((h) => h.kind === kind && position > h.abovePosition);
    const h = this.holds[i];
    if (h === undefined) return;
    this.holds.splice(i, 1);
    h.arrived();
    await h.released;
  }

  override async write(fd: FileHandle, buffers: readonly Uint8Array[], position: number): Promise<void> {
    await this.gate('write', position);
    return this.inner.write(fd, buffers, position);
  }
  override async datasync(fd: FileHandle): Promise<void> {
    await this.gate('datasync', 0);
    return this.inner.datasync(fd);
  }
}

/** Frames of 128 bytes; a segment holds three (24 + 3 × 128 bytes). */
const PAYLOAD_BYTES = 100;
const SEGMENT_BYTES = 24 + 3 * 128;

async function openStore(io: FaultyFileIO, fence: Fence, db: ReturnType<typeof memoryDb>, syncMode: SyncMode, holding?: HoldingIO): Promise<WalStore> {
  const fileIO = holding ?? new FencedFileIO(io, fence);
  return WalStore.open({ dir: '/o', logger, fileIO, db: new FencedDb(db, fence), segmentBytes: SEGMENT_BYTES, syncMode });
}

describe('a round that rolls while the previous one is in flight', () => {
  for (const mode of ['fdatasync', 'dsync'] as const) {
    it(`makes the old segment durable first, even with no frame for it (${mode})`, async () => {
      const io = new FaultyFileIO({ seed: 9 });
      const db = memoryDb();
      const fence = new Fence();
      const holding = new HoldingIO(new FencedFileIO(io, fence));
      const store = await openStore(io, fence, db, mode, holding);
      const log = await store.openLog('r');
      // Round 1 fills the first segment; its write is held until round 2 is queued behind it.
      const write1 = holding.hold('write');
      const r1 = log.append(entries(1, 3, 1, PAYLOAD_BYTES)).catch(() => undefined);
      await write1.reached;
      // fdatasync mode: round 1's fdatasync is held while round 2 rolls, and the power fails then.
      const sync1 = mode === 'fdatasync' ? holding.hold('datasync') : undefined;
      const r2 = log.append(entries(4, 1, 1, PAYLOAD_BYTES)).catch(() => undefined);
      // Round 2's frame goes into the new segment (its header, at position 0, passes).
      const frame2 = holding.hold('write', 0);
      write1.release();
      // fdatasync mode: the roll's own fdatasync of the old segment waits for round 1's (Segment.
      // syncing), so round 2 reaches the new segment only once round 1's has returned.
      sync1?.release();
      await frame2.reached;
      expect(log.segments().length).toBe(2);
      io.crash({ tear: 'none' });
      fence.kill();
      frame2.release();
      await Promise.all([r1, r2]);
      const reopened = await openStore(io, new Fence(), db, mode);
      const got = await reopened.openLog('r');
      // Round 1 was made durable by the roll (round 2 never was); its data is intact.
      expect(got.lastIndex).toBe(3);
      const read = got.readSync(1, 4, 1 << 20);
      read.forEach((e, i) => expect(Buffer.from(e.data).equals(Buffer.from(entries(i + 1, 1, 1, PAYLOAD_BYTES)[0]?.data ?? []))).toBe(true));
      await reopened.close();
    });
  }

  it('never overlaps the roll\'s fdatasync of the old segment with the previous round\'s (one writeback-error report per description)', async () => {
    const io = new FaultyFileIO({ seed: 11 });
    const db = memoryDb();
    const fence = new Fence();
    const holding = new HoldingIO(new FencedFileIO(io, fence));
    const store = await openStore(io, fence, db, 'fdatasync', holding);
    const log = await store.openLog('r');
    // Round 1 fills the first segment; its fdatasync is held, round 2 (which rolls) is queued.
    const write1 = holding.hold('write');
    const sync1 = holding.hold('datasync');
    const r1 = log.append(entries(1, 3, 1, PAYLOAD_BYTES));
    await write1.reached;
    const r2 = log.append(entries(4, 1, 1, PAYLOAD_BYTES));
    write1.release();
    await sync1.reached;
    // The roll's fdatasync of the old segment, if it started now, would run beside round 1's.
    const closing = holding.hold('datasync');
    const early = await Promise.race([closing.reached.then(() => 'overlapped' as const), turns(50).then(() => 'waited' as const)]);
    expect(early).toBe('waited');
    sync1.release();
    await closing.reached;
    closing.release();
    await Promise.all([r1, r2]);
    expect(log.lastIndex).toBe(4);
    expect(log.segments().length).toBe(2);
    await store.close();
  });
});

/**
 * Lets `n` turns of the event loop pass: every file call of this test is in memory (no timer, no
 * real I/O), so a round that is not waiting on a held call gets as far as it can within a few.
 * Only the negative outcome (an fdatasync that should not start) depends on it: a bound, not a sleep.
 */
async function turns(n: number): Promise<void> {
  for (let i = 0; i < n; i++) await new Promise<void>((resolve) => setImmediate(resolve));
}
