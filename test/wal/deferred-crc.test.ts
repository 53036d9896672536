/**
 * Large frames get their CRC while their payload is being written (frame-stage.ts,
 * DEFER_CRC_MIN_BYTES): the round writes a zeroed placeholder where the header goes, computes the
 * CRC, writes the real header, and only then fdatasyncs. These tests check the bytes that reach the
 * disk, the order of the calls, and that a crash anywhere in that sequence loses nothing
 * acknowledged and never reads as corruption.
 */
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { readFile, readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { FaultyFileIO, ForwardingFileIO, NodeFileIO, WalStore, type Entry, type FileHandle, type WalDb } from '../../src/wal/index.js';
import { DEFER_CRC_MIN_BYTES } from '../../src/wal/frame-stage.js';
import { checkFrame, FRAME_HEADER_BYTES, SEGMENT_HEADER_BYTES } from '../../src/wal/frame.js';
import { Fence, FencedDb, FencedFileIO } from '../../src/wal/testing/fenced.js';
import { logger, memoryDb, payload, tempDir } from './helpers.js';

const BIG = DEFER_CRC_MIN_BYTES + 4096;
/** Sizes cycled through by entry index: deferred frames between small (copied) and mid-size ones. */
const SIZES = [BIG, 40, 70_000, DEFER_CRC_MIN_BYTES, 100];

function entry(index: number): Entry {
  return { index, term: 1, type: 0, data: payload(index, SIZES[index % SIZES.length]) };
}

type Call = { kind: 'write'; position: number; bytes: number } | { kind: 'datasync' };

/** Records the file calls of a real FileIO in order (observation only; nothing is faked). */
class RecordingFileIO extends ForwardingFileIO {
  readonly calls: Call[] = [];
  override async write(fd: FileHandle, buffers: readonly Uint8Array[], position: number): Promise<void> {
    const bytes = buffers.reduce((n, b) => n + b.byteLength, 0);
    this.calls.push({ kind: 'write', position, bytes });
    await super.write(fd, buffers, position);
  }
  override async datasync(fd: FileHandle): Promise<void> {
    this.calls.push({ kind: 'datasync' });
    await super.datasync(fd);
  }
}

/** Every frame of every segment in `dir` (a log's directory) decodes with a good CRC, back to back. */
async function checkSegments(dir: string): Promise<number> {
  let frames = 0;
  for (const name of (await readdir(dir)).filter((n) => n.endsWith('.wal') || n.endsWith('.log') || /^\d+/.test(n)).sort()) {
    const bytes = await readFile(join(dir, name));
    let at = SEGMENT_HEADER_BYTES;
    while (at < bytes.byteLength) {
      const check = checkFrame(bytes, at);
      expect(check.kind, `${name} at ${at}`).toBe('ok');
      if (check.kind !== 'ok') break;
      at += FRAME_HEADER_BYTES + check.header.length;
      frames++;
    }
  }
  return frames;
}

async function findLogDir(root: string): Promise<string> {
  for (const name of await readdir(root, { recursive: true })) {
    if (/^0+1(\D|$)/.test(name.split('/').pop() ?? '')) return join(root, name, '..');
  }
  throw new Error(`no segment under ${root}`);
}

describe('deferred CRC of large frames', () => {
  it('writes each deferred header on its own after its round, then fdatasyncs; the bytes on disk are valid frames', async () => {
    const { dir, cleanup } = await tempDir();
    try {
      const io = new RecordingFileIO(new NodeFileIO());
      const store = await WalStore.open({ dir, logger, fileIO: io });
      const log = await store.openLog('d');
      // Concurrent appends of mixed sizes share rounds: several deferred frames in one writev.
      await Promise.all(Array.from({ length: 15 }, (_, i) => log.append([entry(i + 1)])));
      // For each header write (28 bytes) of a deferred frame, the previous call was the round's
      // writev covering it, and a datasync follows before the next round's writev.
      const headerWrites = io.calls.flatMap((c, i) => (c.kind === 'write' && c.bytes === FRAME_HEADER_BYTES ? [i] : []));
      expect(headerWrites.length).toBe(6); // indexes 1, 4, 6, 9, 11, 14 (sizes BIG and DEFER_CRC_MIN_BYTES)
      for (const i of headerWrites) {
        const next = io.calls.slice(i + 1).find((c) => c.kind === 'datasync' || (c.kind === 'write' && c.bytes !== FRAME_HEADER_BYTES));
        expect(next?.kind).toBe('datasync');
      }
      const readBack = log.readSync(1, 16, 1 << 30);
      expect(readBack.map((e) => e.index)).toEqual(Array.from({ length: 15 }, (_, i) => i + 1));
      for (const e of readBack) expect(Buffer.from(e.data).equals(Buffer.from(entry(e.index).data))).toBe(true);
      await store.close();
      expect(await checkSegments(await findLogDir(dir))).toBe(15);
      const reopened = await WalStore.open({ dir, logger });
      const again = await reopened.openLog('d');
      expect(again.lastIndex).toBe(15);
      for (const e of await again.read(1, 16, 1 << 30)) expect(Buffer.from(e.data).equals(Buffer.from(entry(e.index).data))).toBe(true);
      await reopened.close();
    } finally {
      await cleanup();
    }
  });

  it('a crash anywhere in the placeholder, header, fdatasync sequence keeps every acknowledged append and reopens cleanly', async () => {
    const seed = 20261128;
    let runs = 0;
    let lostUnacked = 0;
    await fc.assert(
      fc.asyncProperty(
        fc.integer({ min: 1, max: 1 << 30 }),
        fc.integer({ min: 0, max: 3 }),
        fc.integer({ min: 1, max: 8 }),
        fc.integer({ min: 1, max: 12 }),
        fc.constantFrom<'random' | 'reorder' | 'none'>('random', 'reorder', 'none'),
        async (ioSeed, before, count, afterOps, tear) => {
          runs++;
          const io = new FaultyFileIO({ seed: ioSeed });
          const db: WalDb = memoryDb();
          const opts = { dir: '/n', logger, maxRoundBytes: 2 * BIG, segmentBytes: 4 * BIG };
          let fence = new Fence();
          const store = await WalStore.open({ ...opts, fileIO: new FencedFileIO(io, fence), db: new FencedDb(db, fence) });
          const log = await store.openLog('d');
          for (let i = 1; i <= before; i++) await log.append([entry(i)]);
          let acked = before;
          const crash = { tear, pageBytes: 4096 };
          io.crashAfterOps(afterOps, crash);
          const last = before + count;
          await Promise.allSettled(Array.from({ length: count }, (_, k) => before + 1 + k).map((i) => log.append([entry(i)]).then(() => (acked = Math.max(acked, i)))));
          io.crash(crash);
          fence.kill();
          fence = new Fence();
          const reopened = await WalStore.open({ ...opts, fileIO: new FencedFileIO(io, fence), db: new FencedDb(db, fence) });
          const got = await reopened.openLog('d');
          expect(got.lastIndex).toBeGreaterThanOrEqual(acked);
          expect(got.lastIndex).toBeLessThanOrEqual(last);
          if (got.lastIndex < last) lostUnacked++;
          for (const e of got.readSync(1, got.lastIndex + 1, 1 << 30)) expect(Buffer.from(e.data).equals(Buffer.from(entry(e.index).data)), `entry ${e.index}`).toBe(true);
          await reopened.close();
          fence.kill();
        },
      ),
      { seed, numRuns: 80 },
    );
    // Not vacuous: some crashes did cut unacknowledged appends.
    expect(runs).toBe(80);
    expect(lostUnacked).toBeGreaterThan(0);
  });
});
