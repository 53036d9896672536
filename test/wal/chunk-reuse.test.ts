/**
 * Frame-stage chunks go back to the store's pool once their entries are durable and are reused by
 * later appends: nothing may change under a frame still pending. Appends keep arriving while rounds
 * are in flight here (the tail never empties), so chunks are released while later frames in other
 * chunks are still waiting to be written.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { ForwardingFileIO, NodeFileIO, WalStore, type FileHandle } from '../../src/wal/index.js';
import { logger, payload, tempDir } from './helpers.js';

const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

/** Resolves `next` at each fdatasync call (without holding it): appends can be paced by rounds. */
class SyncCalls extends ForwardingFileIO {
  private arrive: () => void = () => undefined;
  next: Promise<void> = this.renew();
  private renew(): Promise<void> {
    return new Promise<void>((r) => (this.arrive = r));
  }
  override datasync(fd: FileHandle): Promise<void> {
    const arrive = this.arrive;
    this.next = this.renew();
    arrive();
    return this.inner.datasync(fd);
  }
}

describe('frame-stage chunk reuse', () => {
  it('keeps every frame intact while chunks are released and reused with later frames still pending (real disk, reopen)', async () => {
    const { dir, cleanup } = await tempDir();
    cleanups.push(cleanup);
    const io = new SyncCalls(new NodeFileIO());
    // Rounds of at most 24 KiB; 30 appends of ~1 KiB arrive at every fdatasync, each group with its
    // own waiter, so the backlog grows and a chunk whose entries are durable is released (and
    // reused) while frames staged in later chunks are still waiting to be written.
    const store = await WalStore.open({ dir, logger, fileIO: io, maxRoundBytes: 24 * 1024 });
    const log = await store.openLog('a');
    const size = (index: number): number => 900 + ((index * 7) % 200);
    const groups = 40;
    const perGroup = 30;
    const pending: Array<Promise<void>> = [];
    for (let g = 0; g < groups; g++) {
      for (let k = 0; k < perGroup; k++) {
        const index = log.lastIndex + 1;
        pending.push(log.append([{ index, term: 1, type: 0, data: payload(index, size(index)) }]));
      }
      await io.next;
    }
    await Promise.all(pending);
    const n = groups * perGroup;
    expect(log.durableLastIndex).toBe(n);
    await store.close();

    const again = await WalStore.open({ dir, logger });
    cleanups.push(() => again.close());
    const reopened = await again.openLog('a');
    expect(reopened.lastIndex).toBe(n);
    const read = reopened.readSync(1, n + 1, 1 << 30);
    expect(read).toHaveLength(n);
    read.forEach((e, i) => expect(Buffer.from(e.data).equals(Buffer.from(payload(i + 1, size(i + 1))))).toBe(true));
  });
});
