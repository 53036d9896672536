/**
 * Sparse preallocation (src/wal/prealloc.ts): the last segment and the journal are extended with
 * ftruncate ahead of their writes; recovery reads the hole of zeros past the last frame as the end
 * of the log (row 14), a roll trims the segment durably before the next one exists, a clean close
 * trims, and the row-12/13/5/6 judgements are unchanged by a hole at the end.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { stat, truncate } from 'node:fs/promises';
import { FaultyFileIO, WalCorruptionError, WalStore, type SyncMode, type WalDb, type WalLog } from '../../src/wal/index.js';
import { Fence, FencedDb, FencedFileIO } from '../../src/wal/testing/fenced.js';
import { DEFAULT_PREALLOCATE_BYTES, preallocationTarget } from '../../src/wal/prealloc.js';
import { encodeFrameHeader, FRAME_HEADER_BYTES, SEGMENT_HEADER_BYTES, segmentFileName } from '../../src/wal/frame.js';
import { scanFrames } from '../../src/wal/recovery.js';
import { JOURNAL_HEADER_BYTES } from '../../src/wal/journal-format.js';
import { nonZeroEnd, readTail } from '../../src/wal/tail-read.js';
import { zeroSuffixStart } from '../../src/wal/torn-tail.js';
import { capturingLogger, entries, memoryDb, tempDir } from './helpers.js';

const DIR = '/n';
const PAYLOAD = 100;
const FRAME = FRAME_HEADER_BYTES + PAYLOAD;

interface Node {
  store: WalStore;
  fence: Fence;
  lines: Array<Record<string, unknown>>;
}

const stores: WalStore[] = [];
afterEach(async () => {
  for (const s of stores.splice(0)) await s.close().catch(() => undefined);
});

/** A store over the in-memory disk; the previous incarnation's fence is killed as a crash would. */
async function openNode(io: FaultyFileIO, db: WalDb, opts: { prev?: Fence; segmentBytes?: number; syncMode?: SyncMode; maxRoundBytes?: number } = {}): Promise<Node> {
  opts.prev?.kill();
  const fence = new Fence();
  const { lines, log } = capturingLogger();
  const infoLog = log.child({});
  infoLog.level = 'info';
  const store = await WalStore.open({
    dir: DIR,
    logger: infoLog,
    fileIO: new FencedFileIO(io, fence),
    db: new FencedDb(db, fence),
    ...(opts.segmentBytes === undefined ? {} : { segmentBytes: opts.segmentBytes }),
    ...(opts.syncMode === undefined ? {} : { syncMode: opts.syncMode }),
    ...(opts.maxRoundBytes === undefined ? {} : { maxRoundBytes: opts.maxRoundBytes }),
  });
  stores.push(store);
  return { store, fence, lines };
}

function segPath(log: string, base: number): string {
  return `${DIR}/logs/${log}/${segmentFileName(base)}`;
}

function tornTailLines(lines: ReadonlyArray<Record<string, unknown>>): unknown[] {
  return lines.filter((l) => String(l.msg).startsWith('cut a torn'));
}

async function appendEach(log: WalLog, from: number, count: number): Promise<void> {
  for (let i = 0; i < count; i++) await log.append(entries(from + i, 1, 1, PAYLOAD));
}

describe('preallocation policy', () => {
  it('extends a step ahead on page boundaries, never past the segment bound, never when off', () => {
    const step = DEFAULT_PREALLOCATE_BYTES;
    expect(preallocationTarget(24, 1024, step, 128 << 20)).toBe(Math.ceil((1024 + step) / 4096) * 4096);
    expect(preallocationTarget(step, 1024, step, 128 << 20)).toBeUndefined();
    expect(preallocationTarget(24, 1024, 0, 128 << 20)).toBeUndefined();
    expect(preallocationTarget(24, 900, step, 1000)).toBe(1000);
    // No room beyond the write (an entry larger than the segment bound): the write grows the file.
    expect(preallocationTarget(24, 2000, step, 1000)).toBeUndefined();
  });
});

describe('preallocation on a real disk', () => {
  it('the last segment is extended ahead of its frames; sizes stay logical; a clean close trims', async () => {
    const { dir, cleanup } = await tempDir();
    try {
      const { lines, log: logger } = capturingLogger();
      const store = await WalStore.open({ dir, logger });
      const log = await store.openLog('r');
      await appendEach(log, 1, 10);
      const path = log.segments()[0]?.file ?? '';
      const frames = SEGMENT_HEADER_BYTES + 10 * FRAME;
      expect((await stat(path)).size).toBeGreaterThanOrEqual(frames + DEFAULT_PREALLOCATE_BYTES);
      expect(log.sizeBytes).toBe(frames);
      expect(log.segments()[0]?.sizeBytes).toBe(frames);
      await store.close();
      expect((await stat(path)).size).toBe(frames);
      expect(lines).toEqual([]);
    } finally {
      await cleanup();
    }
  });

  it('opening a segment left with its hole (a crash) keeps every frame, trims the hole, warns of nothing', async () => {
    const { dir, cleanup } = await tempDir();
    try {
      const first = await WalStore.open({ dir, logger: capturingLogger().log });
      const log = await first.openLog('r');
      await appendEach(log, 1, 10);
      const path = log.segments()[0]?.file ?? '';
      await first.close();
      const frames = SEGMENT_HEADER_BYTES + 10 * FRAME;
      // What a power loss after an extension leaves: the frames, then megabytes of zeros.
      await truncate(path, frames + 3 * DEFAULT_PREALLOCATE_BYTES);
      const { lines, log: logger } = capturingLogger();
      const info = logger.child({});
      info.level = 'info';
      const store = await WalStore.open({ dir, logger: info });
      const again = await store.openLog('r');
      expect(again.lastIndex).toBe(10);
      expect(again.readSync(10, 11, 1 << 20)[0]?.data).toEqual(entries(10, 1, 1, PAYLOAD)[0]?.data);
      expect((await stat(path)).size).toBe(frames);
      expect(tornTailLines(lines)).toEqual([]);
      expect(lines.filter((l) => (l.level as number) >= 40)).toEqual([]);
      expect(lines.find((l) => l.msg === 'trimmed the preallocated tail of the last segment')).toMatchObject({ level: 30, position: frames, preallocatedBytes: 3 * DEFAULT_PREALLOCATE_BYTES });
      await again.append(entries(11, 1, 1, PAYLOAD));
      expect(again.lastIndex).toBe(11);
      await store.close();
    } finally {
      await cleanup();
    }
  });
});

describe('preallocation and power loss (in-memory disk)', () => {
  it('a crash with a durable hole loses no acknowledged entry and is not a torn tail', async () => {
    const io = new FaultyFileIO({ seed: 7 });
    const db = memoryDb();
    const a = await openNode(io, db);
    const log = await a.store.openLog('r');
    await appendEach(log, 1, 20);
    const frames = SEGMENT_HEADER_BYTES + 20 * FRAME;
    io.crash({ tear: 'none' });
    // The extension was made durable by the first round's fdatasync.
    expect((await io.stat(segPath('r', 1)))?.sizeBytes).toBeGreaterThan(frames);
    const b = await openNode(io, db, { prev: a.fence });
    const again = await b.store.openLog('r');
    expect(again.lastIndex).toBe(20);
    expect((await io.stat(segPath('r', 1)))?.sizeBytes).toBe(frames);
    expect(tornTailLines(b.lines)).toEqual([]);
    expect(b.lines.filter((l) => l.msg === 'trimmed the preallocated tail of the last segment')).toHaveLength(1);
  });

  it('a torn frame just before the hole is still cut and logged as a torn tail (row 2-4)', async () => {
    const io = new FaultyFileIO({ seed: 8 });
    const db = memoryDb();
    const a = await openNode(io, db);
    const log = await a.store.openLog('r');
    await appendEach(log, 1, 5);
    const end = SEGMENT_HEADER_BYTES + 5 * FRAME;
    // Entry 6's header and half its payload reached the disk, the rest of the round did not.
    const e6 = entries(6, 1, 1, PAYLOAD)[0];
    if (e6 === undefined) throw new Error('no entry');
    const fd = await io.open(segPath('r', 1), { create: false });
    await io.write(fd, [encodeFrameHeader(e6), e6.data.subarray(0, PAYLOAD / 2)], end);
    await io.datasync(fd);
    io.crash({ tear: 'none' });
    const b = await openNode(io, db, { prev: a.fence });
    expect((await b.store.openLog('r')).lastIndex).toBe(5);
    const cut = tornTailLines(b.lines);
    expect(cut).toHaveLength(1);
    expect(cut[0]).toMatchObject({ level: 40, row: '2-4', position: end });
    expect((await io.stat(segPath('r', 1)))?.sizeBytes).toBe(end);
  });

  for (const syncMode of ['fdatasync', 'dsync'] as const) {
    it(`a roll trims the old segment durably before the next exists (${syncMode})`, async () => {
      const io = new FaultyFileIO({ seed: 9 });
      const db = memoryDb();
      // 1000-byte segments: seven 128-byte frames fill one (920 bytes), the eighth rolls.
      const a = await openNode(io, db, { segmentBytes: 1000, syncMode });
      const log = await a.store.openLog('r');
      await appendEach(log, 1, 7);
      expect((await io.stat(segPath('r', 1)))?.sizeBytes).toBe(1000);
      await log.append(entries(8, 1, 1, PAYLOAD));
      // Power loss right after the roll: nothing unsynced survives.
      io.crash({ tear: 'none' });
      expect((await io.stat(segPath('r', 1)))?.sizeBytes).toBe(SEGMENT_HEADER_BYTES + 7 * FRAME);
      // Without the index every segment is scanned: a zero tail in a segment that is not the
      // last would be refused (row 6).
      const b = await openNode(io, memoryDb(), { prev: a.fence, segmentBytes: 1000, syncMode });
      const again = await b.store.openLog('r');
      expect(again.lastIndex).toBe(8);
      expect(again.segments().map((s) => s.sizeBytes)).toEqual([SEGMENT_HEADER_BYTES + 7 * FRAME, SEGMENT_HEADER_BYTES + FRAME]);
    });
  }

  it('a segment that is not the last with a zero tail is refused (row 6)', () => {
    const bytes = framesThenHole(3, 4096);
    const r = scanFrames(bytes, SEGMENT_HEADER_BYTES, 1, 0, false, () => undefined, { markPosition: 0, maxRoundBytes: 1 << 20 });
    expect(r).toMatchObject({ kind: 'corrupt', position: SEGMENT_HEADER_BYTES + 3 * FRAME });
  });

  it('the journal is preallocated; its hole is the end on redo (no torn-tail warning); a close trims it', async () => {
    const io = new FaultyFileIO({ seed: 10 });
    const db = memoryDb();
    const a = await openNode(io, db);
    const logs = [await a.store.openLog('p.a.0'), await a.store.openLog('p.b.0')];
    for (let r = 0; r < 4; r++) await Promise.all(logs.map((l) => l.append(entries(l.lastIndex + 1, 2, 1))));
    const [name] = (await io.readdir(`${DIR}/journal`)).filter((n) => n.endsWith('.jnl'));
    const path = `${DIR}/journal/${name ?? ''}`;
    io.crash({ tear: 'none' });
    expect((await io.stat(path))?.sizeBytes).toBeGreaterThanOrEqual(DEFAULT_PREALLOCATE_BYTES);
    const b = await openNode(io, db, { prev: a.fence });
    expect(b.lines.find((l) => l.msg === 'redid the journal')).toMatchObject({ records: 8, logs: 2 });
    expect(b.lines.filter((l) => String(l.msg).includes('torn'))).toEqual([]);
    for (const id of ['p.a.0', 'p.b.0']) expect((await b.store.openLog(id)).lastIndex).toBe(8);
    await b.store.close();
    const files = (await io.readdir(`${DIR}/journal`)).filter((n) => n.endsWith('.jnl'));
    expect(files).toHaveLength(1);
    expect((await io.stat(`${DIR}/journal/${files[0] ?? ''}`))?.sizeBytes).toBe(JOURNAL_HEADER_BYTES);
  });
});

/** A last segment's bytes: `n` frames of entries 1..n, then `hole` zeros. */
function framesThenHole(n: number, hole: number): Buffer {
  const parts: Uint8Array[] = [Buffer.alloc(SEGMENT_HEADER_BYTES)];
  for (const e of entries(1, n, 1, PAYLOAD)) parts.push(encodeFrameHeader(e), e.data);
  parts.push(Buffer.alloc(hole));
  return Buffer.concat(parts);
}

describe('the decision table around a hole', () => {
  const frameAt = (i: number): number => SEGMENT_HEADER_BYTES + (i - 1) * FRAME;
  // A small round bound: the window (2 × (2 × 128 + 28) = 568 bytes) is far smaller than the hole.
  const tail = { markPosition: 0, maxRoundBytes: PAYLOAD };

  it('row 13 still cuts a torn frame followed by valid frames near the written end, however long the hole after them', () => {
    const bytes = framesThenHole(10, 4 * DEFAULT_PREALLOCATE_BYTES);
    bytes.fill(0, frameAt(9), frameAt(9) + 40); // entry 9's first page never reached the disk; 10 did
    const r = scanFrames(bytes, SEGMENT_HEADER_BYTES, 1, 0, true, () => undefined, tail);
    expect(r).toMatchObject({ kind: 'ok', endPosition: frameAt(9), cut: { row: '13', discarded: { frames: 1, firstIndex: 10, lastIndex: 10 } } });
  });

  it('a torn frame farther than the window from the written end is still corruption (row 5)', () => {
    const bytes = framesThenHole(10, DEFAULT_PREALLOCATE_BYTES);
    bytes.fill(0, frameAt(3), frameAt(3) + 40);
    const r = scanFrames(bytes, SEGMENT_HEADER_BYTES, 1, 0, true, () => undefined, tail);
    expect(r).toMatchObject({ kind: 'corrupt', position: frameAt(3) });
    expect(r.kind === 'corrupt' && r.reason).toContain('farther than the torn-tail window');
  });

  it('zeros before the durable mark are corruption (row 12), even when the rest of the segment is a hole', () => {
    const bytes = framesThenHole(10, DEFAULT_PREALLOCATE_BYTES);
    bytes.fill(0, frameAt(6)); // entries 6..10 acknowledged (the mark is after 8), then lost
    const r = scanFrames(bytes, SEGMENT_HEADER_BYTES, 1, 0, true, () => undefined, { ...tail, markPosition: frameAt(9) });
    expect(r).toMatchObject({ kind: 'corrupt', position: frameAt(6) });
    expect(r.kind === 'corrupt' && r.reason).toContain('before the durable mark');
  });

  it('a hole at or past the mark is the end (row 14), with or without a mark', () => {
    const bytes = framesThenHole(10, DEFAULT_PREALLOCATE_BYTES);
    for (const markPosition of [undefined, 0, frameAt(11)]) {
      const r = scanFrames(bytes, SEGMENT_HEADER_BYTES, 1, 0, true, () => undefined, { ...tail, markPosition });
      expect(r).toEqual({ kind: 'ok', endPosition: frameAt(11), cut: { position: frameAt(11), bytes: DEFAULT_PREALLOCATE_BYTES, row: '14', discarded: undefined } });
    }
  });
});

describe('an open store refuses what it refused before', () => {
  it('zeros in the middle of the last segment with frames after them, far from its end, are refused on open', async () => {
    const io = new FaultyFileIO({ seed: 11 });
    const db = memoryDb();
    const a = await openNode(io, db, { maxRoundBytes: PAYLOAD });
    const log = await a.store.openLog('r');
    await appendEach(log, 1, 20);
    io.crash({ tear: 'none' });
    // Bit rot: entry 3 zeroed. Without the index the whole segment is scanned (no mark).
    io.corrupt(segPath('r', 1), SEGMENT_HEADER_BYTES + 2 * FRAME, new Uint8Array(FRAME));
    a.fence.kill();
    await expect(openNode(io, memoryDb(), { maxRoundBytes: PAYLOAD }).then((n) => n.store.openLog('r'))).rejects.toBeInstanceOf(WalCorruptionError);
  });
});

describe('reading a tail on open without its hole', () => {
  it('finds the last non-zero byte across probe pieces; the bytes read equal the file', async () => {
    const io = new FaultyFileIO({ seed: 12 });
    await io.mkdir('/t');
    const fd = await io.open('/t/f', { create: true });
    const data = Buffer.alloc(200_000, 0);
    data.fill(5, 1000, 70_000); // data, then zeros inside the data (a frame may end in zeros)
    data[150_000] = 9;
    await io.write(fd, [data], 0);
    await io.truncate(fd, 3 * DEFAULT_PREALLOCATE_BYTES);
    expect(await nonZeroEnd(io, fd, 0, 3 * DEFAULT_PREALLOCATE_BYTES)).toBe(150_001);
    expect(await nonZeroEnd(io, fd, 150_001, 3 * DEFAULT_PREALLOCATE_BYTES)).toBe(150_001);
    expect(await nonZeroEnd(io, fd, 2000, 60_000)).toBe(60_000);
    for (const last of [true, false]) {
      const bytes = await readTail(io, fd, 500, 3 * DEFAULT_PREALLOCATE_BYTES, last);
      expect(bytes.byteLength).toBe(3 * DEFAULT_PREALLOCATE_BYTES - 500);
      expect(Buffer.from(bytes.subarray(0, 200_000 - 500)).equals(data.subarray(500))).toBe(true);
      expect(zeroSuffixStart(bytes)).toBe(150_001 - 500);
    }
  });
});
