import { afterEach, describe, expect, it } from 'vitest';
import { FaultyFileIO, ForwardingFileIO, NodeFileIO, WalFailedError, WalStore, type FileHandle } from '../../src/wal/index.js';
import { entries, logger, memoryDb, payload, tempDir } from './helpers.js';

const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

/** Watches the file layer: how many fdatasyncs are in flight, and writes that overlapped one. */
class OverlapIO extends ForwardingFileIO {
  syncsInFlight = 0;
  datasyncCalls = 0;
  writesDuringSync = 0;
  override write(fd: FileHandle, buffers: readonly Uint8Array[], position: number): Promise<void> {
    if (this.syncsInFlight > 0) this.writesDuringSync++;
    return this.inner.write(fd, buffers, position);
  }
  override async datasync(fd: FileHandle): Promise<void> {
    this.datasyncCalls++;
    this.syncsInFlight++;
    try {
      await this.inner.datasync(fd);
    } finally {
      this.syncsInFlight--;
    }
  }
}

describe('pipelined group commit', () => {
  it('writes a backlog in bounded rounds, the next written while the last syncs; resolves in order; survives reopen (real disk, segment rolls)', async () => {
    const { dir, cleanup } = await tempDir();
    cleanups.push(cleanup);
    const io = new OverlapIO(new NodeFileIO());
    // The fdatasync mode's pipeline: a round's write overlaps the previous round's fdatasync.
    const opts = { dir, logger, fileIO: io, maxRoundBytes: 128 * 1024, segmentBytes: 700 * 1024, syncMode: 'fdatasync' as const };
    const store = await WalStore.open(opts);
    const log = await store.openLog('pipe');
    const n = 40;
    const size = 64 * 1024;
    const resolved: number[] = [];
    await Promise.all(
      Array.from({ length: n }, (_, i) => log.append([{ index: i + 1, term: 1, type: 0, data: payload(i + 1, size) }]).then(() => resolved.push(i + 1))),
    );
    expect(resolved).toEqual(Array.from({ length: n }, (_, i) => i + 1));
    // 2.5 MiB in rounds of at most 128 KiB: many rounds, and writes that ran during an fdatasync.
    expect(io.datasyncCalls).toBeGreaterThanOrEqual(n / 2);
    expect(io.writesDuringSync).toBeGreaterThan(0);
    expect(log.segments().length).toBeGreaterThanOrEqual(3);
    await store.close();

    const again = await WalStore.open({ dir, logger });
    const reopened = await again.openLog('pipe');
    expect(reopened.lastIndex).toBe(n);
    const read = reopened.readSync(1, n + 1, 1 << 30);
    read.forEach((e, i) => expect(Buffer.from(e.data).equals(Buffer.from(payload(i + 1, size)))).toBe(true));
    await again.close();
  });

  it('a failed fdatasync in the middle of a pipelined backlog fails that round and every later one', async () => {
    const io = new FaultyFileIO({ seed: 11 });
    const db = memoryDb();
    const store = await WalStore.open({ dir: '/p', logger, fileIO: io, db, maxRoundBytes: 2000 });
    const log = await store.openLog('f');
    await log.append(entries(1, 5, 1));
    const settled: Array<'ok' | 'failed'> = [];
    const pending = Array.from({ length: 20 }, (_, i) =>
      log.append(entries(6 + i, 1, 1, 1000)).then(
        () => settled.push('ok'),
        (err: unknown) => {
          expect(err).toBeInstanceOf(WalFailedError);
          settled.push('failed');
        },
      ),
    );
    // The backlog's first round is written at once; fail the fdatasync of whichever round comes next.
    io.failNextDatasync();
    await Promise.all(pending);
    // Whatever resolved came first, in order; after the first failure nothing resolves.
    const firstFailure = settled.indexOf('failed');
    expect(firstFailure).toBeGreaterThanOrEqual(0);
    expect(settled.slice(firstFailure).every((s) => s === 'failed')).toBe(true);
    const acked = 5 + firstFailure;
    expect(log.failure).toBeInstanceOf(WalFailedError);
    io.crash({ tear: 'none' });

    const store2 = await WalStore.open({ dir: '/p', logger, fileIO: io, db });
    const log2 = await store2.openLog('f');
    expect(log2.lastIndex).toBeGreaterThanOrEqual(acked);
    const got = log2.readSync(1, log2.lastIndex + 1, 1 << 30);
    got.forEach((e, i) => expect(Buffer.from(e.data).equals(Buffer.from(entries(i + 1, 1, 1, i < 5 ? undefined : 1000)[0]?.data ?? new Uint8Array()))).toBe(true));
    await store2.close();
  });
});
