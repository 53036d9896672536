/**
 * Rows 12 and 13 of the recovery table: a tail torn by out-of-order write-back of never
 * acknowledged rounds (a zeroed frame FOLLOWED by CRC-valid frames, at or past the durable mark,
 * near the end) is cut with a warning naming the discarded frames; the same damage before the mark,
 * without a mark, or farther from the end than two rounds stays corruption.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { open, readFile, rm, stat } from 'node:fs/promises';
import { FaultyFileIO, FRAME_HEADER_BYTES, SEGMENT_HEADER_BYTES, WalCorruptionError, WalStore, type Entry } from '../../src/wal/index.js';
import { Fence, FencedDb, FencedFileIO } from '../../src/wal/testing/fenced.js';
import { decide, RECOVERY_TABLE, scanFrames, type DecisionInput, type MarkRelation } from '../../src/wal/recovery.js';
import { tornTailWindowBytes, validFramesAfter } from '../../src/wal/torn-tail.js';
import { encodeFrameHeader } from '../../src/wal/frame.js';
import { capturingLogger, entries, logger, memoryDb, tempDir } from './helpers.js';
import { inspect } from '../inspect/io.js';

const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

const SIZE = 40;
const FRAME = FRAME_HEADER_BYTES + SIZE;
/** Frame i (1-based) of a one-segment log of SIZE-byte entries. */
const frameAt = (i: number): number => SEGMENT_HEADER_BYTES + (i - 1) * FRAME;

function frameBytes(es: Entry[]): Buffer {
  return Buffer.concat(es.flatMap((e) => [encodeFrameHeader(e), Buffer.from(e.data)]));
}

async function writeAt(path: string, position: number, bytes: Uint8Array): Promise<void> {
  const fh = await open(path, 'r+');
  await fh.write(bytes, 0, bytes.length, position);
  await fh.close();
}

/**
 * Entries 1..acked appended through the WAL and acknowledged (the store is closed, so the index
 * marker covers them), then entries acked+1..total written behind its back — the unsynced rounds
 * of a crashed writer, as the kernel happened to write them back.
 */
async function buildTail(acked: number, total: number): Promise<{ dir: string; seg: string }> {
  const { dir, cleanup } = await tempDir();
  cleanups.push(cleanup);
  const store = await WalStore.open({ dir, logger });
  const log = await store.openLog('r');
  await log.append(entries(1, acked, 1, SIZE));
  const seg = log.segments()[0]?.file ?? '';
  await store.close();
  await writeAt(seg, frameAt(acked + 1), frameBytes(entries(acked + 1, total - acked, 1, SIZE)));
  return { dir, seg };
}

async function reopen(dir: string, l = logger): Promise<WalStore> {
  const store = await WalStore.open({ dir, logger: l });
  cleanups.push(() => store.close());
  return store;
}

async function openError(dir: string): Promise<WalCorruptionError> {
  const store = await reopen(dir);
  const err = await store.openLog('r').then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(WalCorruptionError);
  return err as WalCorruptionError;
}

describe('recovery decision table: the durable mark (rows 12 and 13)', () => {
  const bad: DecisionInput = { frameOk: false, continuous: false, lastSegment: true, validFrameAfter: true, durableMark: 'beyond', withinTornWindow: true, zeroSuffix: false };

  it('cuts a torn frame with valid frames after it only at or past the mark, near the end, in the last segment', () => {
    expect(decide(bad)).toEqual({ decision: 'cut-tail', row: '13' });
    expect(decide({ ...bad, durableMark: 'before' })).toEqual({ decision: 'corrupt', row: '12' });
    expect(decide({ ...bad, durableMark: 'none' })).toEqual({ decision: 'corrupt', row: '5' });
    expect(decide({ ...bad, withinTornWindow: false })).toEqual({ decision: 'corrupt', row: '5' });
    expect(decide({ ...bad, lastSegment: false })).toEqual({ decision: 'corrupt', row: '6' });
    // Before the mark even a plain torn tail (nothing valid after) is damage to acknowledged data.
    expect(decide({ ...bad, validFrameAfter: false, durableMark: 'before' })).toEqual({ decision: 'corrupt', row: '12' });
    expect(decide({ ...bad, validFrameAfter: false, durableMark: 'none', withinTornWindow: false })).toEqual({ decision: 'cut-tail', row: '2-4' });
  });

  it('every combination: a cut with valid frames after needs all four conditions; good frames ignore the mark', () => {
    const marks: MarkRelation[] = ['none', 'before', 'beyond'];
    const bools = [false, true];
    let combos = 0;
    for (const frameOk of bools)
      for (const continuous of bools)
        for (const lastSegment of bools)
          for (const validFrameAfter of bools)
            for (const durableMark of marks)
              for (const withinTornWindow of bools)
                for (const zeroSuffix of bools) {
                // A zero suffix holds no frame: the scan never reports both.
                if (zeroSuffix && validFrameAfter) continue;
                combos++;
                const r = decide({ frameOk, continuous, lastSegment, validFrameAfter, durableMark, withinTornWindow, zeroSuffix });
                const d = r.decision;
                if (frameOk) expect(d).toBe(continuous ? 'accept' : 'corrupt');
                else if (!lastSegment || durableMark === 'before') expect(d).toBe('corrupt');
                else if (zeroSuffix) expect(r).toEqual({ decision: 'cut-tail', row: '14' });
                else if (validFrameAfter) expect(d).toBe(durableMark === 'beyond' && withinTornWindow ? 'cut-tail' : 'corrupt');
                else expect(d).toBe('cut-tail');
              }
    expect(combos).toBe(144);
    expect(RECOVERY_TABLE.map((r) => r.row)).toEqual(['1', '7', '6', '12', '14', '13', '5', '2-4']);
  });

  it('the window is two rounds with header slack; one entry larger than a round widens it', () => {
    expect(tornTailWindowBytes(8 << 20, 1024)).toBe(2 * (16 << 20) + 2 * FRAME_HEADER_BYTES);
    expect(tornTailWindowBytes(100, 1000)).toBe(2 * (2000 + FRAME_HEADER_BYTES));
  });

  it('scanFrames cuts past the mark and counts the discarded frames; before the mark it refuses', () => {
    const bytes = Buffer.alloc(frameAt(1));
    const all = Buffer.concat([bytes, frameBytes(entries(1, 10, 1, SIZE))]);
    all.fill(0, frameAt(6), frameAt(7)); // entry 6 never reached the disk; 7..10 did
    const tail = { markPosition: frameAt(5), maxRoundBytes: 1 << 20 };
    const r = scanFrames(all, SEGMENT_HEADER_BYTES, 1, 0, true, () => undefined, tail);
    expect(r).toEqual({ kind: 'ok', endPosition: frameAt(6), cut: { position: frameAt(6), bytes: 5 * FRAME, row: '13', discarded: { frames: 4, firstIndex: 7, lastIndex: 10, largestPayloadBytes: SIZE, endPosition: frameAt(11) } } });
    const before = scanFrames(all, SEGMENT_HEADER_BYTES, 1, 0, true, () => undefined, { ...tail, markPosition: frameAt(8) });
    expect(before).toMatchObject({ kind: 'corrupt', position: frameAt(6), index: 6 });
    expect(before.kind === 'corrupt' && before.reason).toContain(`before the durable mark at byte ${frameAt(8)}`);
    expect(validFramesAfter(all, frameAt(6) + 1)).toEqual({ frames: 4, firstIndex: 7, lastIndex: 10, largestPayloadBytes: SIZE, endPosition: frameAt(11) });
  });
});

describe('recovery on open: a tail torn by out-of-order write-back (real disk)', () => {
  it('cuts at a zeroed frame past the mark, warns with the discarded frames, and appends after it', async () => {
    const { dir, seg } = await buildTail(20, 30);
    await writeAt(seg, frameAt(21), Buffer.alloc(FRAME)); // a page of entry 21 was never written back
    const { lines, log: l } = capturingLogger();
    const store = await reopen(dir, l);
    const log = await store.openLog('r');
    expect(log.lastIndex).toBe(20);
    expect((await stat(seg)).size).toBe(frameAt(21));
    const warn = lines.find((x) => x.row === '13');
    expect(warn).toMatchObject({ level: 40, position: frameAt(21), bytesCut: 10 * FRAME, discardedFrames: 9, discardedFirstIndex: 22, discardedLastIndex: 30 });
    expect(String(warn?.segment)).toContain('00000000000000000001.log');
    await log.append(entries(21, 2, 2, SIZE));
    expect(log.readSync(19, 23, 1 << 20).map((e) => [e.index, e.term])).toEqual([[19, 1], [20, 1], [21, 2], [22, 2]]);
  });

  it('cuts at a torn frame in the middle of the unacknowledged tail too (its header intact, payload zeroed)', async () => {
    const { dir, seg } = await buildTail(20, 30);
    await writeAt(seg, frameAt(25) + FRAME_HEADER_BYTES + 8, Buffer.alloc(16));
    const log = await (await reopen(dir)).openLog('r');
    expect(log.lastIndex).toBe(24);
    expect(log.readSync(21, 25, 1 << 20).map((e) => e.index)).toEqual([21, 22, 23, 24]);
  });

  it('a frame at the mark torn by pages (magic and length there, index and CRC zeroed) is judged, not taken as a disagreeing marker', async () => {
    const { dir, seg } = await buildTail(20, 30);
    await writeAt(seg, frameAt(21) + 8, Buffer.alloc(FRAME_HEADER_BYTES - 8));
    const { lines, log: l } = capturingLogger();
    const log = await (await reopen(dir, l)).openLog('r');
    expect(log.lastIndex).toBe(20);
    expect(lines.find((x) => x.row === '13')).toMatchObject({ position: frameAt(21), discardedFrames: 9 });
    expect(lines.filter((x) => String(x.msg).includes('disagrees'))).toEqual([]);
  });

  it('without the mark (index lost) the same tail is refused, precisely (row 5)', async () => {
    const { dir, seg } = await buildTail(20, 30);
    await writeAt(seg, frameAt(21), Buffer.alloc(FRAME));
    await rm(`${dir}/index`, { recursive: true, force: true });
    const err = await openError(dir);
    expect(err.detail).toMatchObject({ logId: 'r', segment: seg, position: frameAt(21), reason: 'bad frame header', index: 21 });
  });

  it('a zeroed frame before the mark is refused with its location: by the table, on read, and by inspect verify', async () => {
    const { dir, seg } = await buildTail(20, 30);
    await writeAt(seg, frameAt(15), Buffer.alloc(FRAME)); // acknowledged entry 15 is gone
    // The table over the segment as it is on disk, with the mark where LevelDB has it (end of 20).
    const bytes = await readFile(seg);
    const r = scanFrames(bytes, SEGMENT_HEADER_BYTES, 1, 0, true, () => undefined, { markPosition: frameAt(21), maxRoundBytes: 8 << 20 });
    expect(r).toMatchObject({ kind: 'corrupt', position: frameAt(15), index: 15 });
    expect(r.kind === 'corrupt' && r.reason).toContain('before the durable mark');
    // inspect verify reads the marker from LevelDB and applies the same table: exit 1, precise.
    const v = await inspect('verify', dir, '--json');
    expect(v.code).toBe(1);
    const out = JSON.parse(v.stdout) as { firstProblem: { segment: string; position: number; index: number; message: string } };
    expect(out.firstProblem).toMatchObject({ segment: seg, position: frameAt(15) });
    expect(out.firstProblem.message).toContain('before the durable mark');
    // Opening validates only past the mark (O(tail), not O(log)): the damage is refused on read.
    const log = await (await reopen(dir)).openLog('r');
    expect(log.lastIndex).toBe(30);
    await expect(log.read(15, 16, 1 << 20)).rejects.toMatchObject({ name: 'WalCorruptionError', detail: { segment: seg, position: frameAt(15) } });
  });

  it('inspect verify reports a torn tail past the mark as a warning naming what opening discards (exit 0)', async () => {
    const { dir, seg } = await buildTail(20, 30);
    await writeAt(seg, frameAt(21), Buffer.alloc(FRAME));
    const v = await inspect('verify', dir, '--json');
    expect(v.code).toBe(0);
    const out = JSON.parse(v.stdout) as { warnings: Array<{ position?: number; message: string }> };
    const w = out.warnings.find((x) => x.position === frameAt(21));
    expect(w?.message).toContain('discards 9 valid but unacknowledged frames (entries 22–30)');
    expect((await (await reopen(dir)).openLog('r')).lastIndex).toBe(20);
  });
});

describe('the durable mark never runs ahead of an fdatasync', () => {
  it('opening fdatasyncs a caught-up tail before the marker covers it (process crash, then power loss)', async () => {
    const io = new FaultyFileIO({ seed: 7 });
    const db = memoryDb();
    const { lines, log: l } = capturingLogger();
    const openStore = (fence: Fence): Promise<WalStore> =>
      WalStore.open({ dir: '/n', logger: l, fileIO: new FencedFileIO(io, fence), db: new FencedDb(db, fence) });
    const first = await openStore(new Fence());
    await (await first.openLog('r')).append(entries(1, 5, 1, SIZE));
    await first.close();
    // A writer died with entries 6..8 written but not yet fdatasync'd: they sit in the page cache.
    const path = '/n/logs/r/00000000000000000001.log';
    const fd = await io.open(path, { create: false });
    await io.write(fd, [frameBytes(entries(6, 3, 1, SIZE))], frameAt(6));
    // The restarted node catches the index up over them (its marker reaches LevelDB)…
    const fence = new Fence();
    const second = await openStore(fence);
    expect((await second.openLog('r')).lastIndex).toBe(8);
    await second.close();
    // …then the machine loses power: nothing unsynced survives. The marker must still agree.
    io.crash({ tear: 'none' });
    fence.kill();
    const third = await openStore(new Fence());
    expect((await third.openLog('r')).lastIndex).toBe(8);
    expect(lines.filter((x) => String(x.msg).includes('disagrees'))).toEqual([]);
    await third.close();
  });
});
