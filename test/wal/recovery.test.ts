import { afterEach, describe, expect, it } from 'vitest';
import { open, stat, truncate } from 'node:fs/promises';
import {
  FRAME_HEADER_BYTES,
  SEGMENT_HEADER_BYTES,
  WalCorruptionError,
  WalStore,
  type WalLog,
} from '../../src/wal/index.js';
import { decide, scanFrames } from '../../src/wal/recovery.js';
import { encodeFrameHeader, encodeSegmentHeader } from '../../src/wal/frame.js';
import { capturingLogger, entries, logger, tempDir } from './helpers.js';

const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

/** 30 entries of 40 bytes in one segment: frame i (1-based) starts at 24 + (i-1)*68. */
async function writeLog(): Promise<{ dir: string; seg: string }> {
  const { dir, cleanup } = await tempDir();
  cleanups.push(cleanup);
  const store = await WalStore.open({ dir, logger });
  const log = await store.openLog('r');
  await log.append(entries(1, 30, 1, 40));
  const seg = log.segments()[0]?.file ?? '';
  await store.close();
  return { dir, seg };
}

const frameAt = (i: number): number => SEGMENT_HEADER_BYTES + (i - 1) * (FRAME_HEADER_BYTES + 40);

async function reopen(dir: string, l = logger): Promise<{ store: WalStore; log: WalLog }> {
  const store = await WalStore.open({ dir, logger: l });
  cleanups.push(() => store.close());
  return { store, log: await store.openLog('r') };
}

async function poke(path: string, position: number, bytes: Uint8Array): Promise<void> {
  const fh = await open(path, 'r+');
  await fh.write(bytes, 0, bytes.length, position);
  await fh.close();
}

describe('recovery decision table', () => {
  it('decides by frame validity, position and what follows', () => {
    const base = { frameOk: false, continuous: false, lastSegment: true, validFrameAfter: false, durableMark: 'none' as const, withinTornWindow: true, zeroSuffix: false };
    expect(decide({ ...base, frameOk: true, continuous: true }).decision).toBe('accept');
    expect(decide({ ...base, frameOk: true }).decision).toBe('corrupt');
    expect(decide(base).decision).toBe('cut-tail');
    expect(decide({ ...base, validFrameAfter: true }).decision).toBe('corrupt');
    expect(decide({ ...base, lastSegment: false }).decision).toBe('corrupt');
  });

  it('scanFrames reports continuity violations as corruption', () => {
    const e1 = { index: 1, term: 2, type: 0, data: Buffer.from('a') };
    const e3 = { index: 3, term: 2, type: 0, data: Buffer.from('b') };
    const bytes = Buffer.concat([encodeSegmentHeader(1), encodeFrameHeader(e1), e1.data, encodeFrameHeader(e3), e3.data]);
    const r = scanFrames(bytes, SEGMENT_HEADER_BYTES, 1, 0, true, () => undefined);
    expect(r).toMatchObject({ kind: 'corrupt', position: SEGMENT_HEADER_BYTES + 29, index: 3 });
    const lowerTerm = { index: 2, term: 1, type: 0, data: Buffer.from('c') };
    const bytes2 = Buffer.concat([encodeSegmentHeader(1), encodeFrameHeader(e1), e1.data, encodeFrameHeader(lowerTerm), lowerTerm.data]);
    expect(scanFrames(bytes2, SEGMENT_HEADER_BYTES, 1, 0, true, () => undefined).kind).toBe('corrupt');
  });
});

describe('recovery on open', () => {
  it('cuts a torn tail (partial last frame) and logs the cut at warn', async () => {
    const { dir, seg } = await writeLog();
    await truncate(seg, frameAt(30) + 50);
    const { lines, log: l } = capturingLogger();
    const { log } = await reopen(dir, l);
    expect(log.lastIndex).toBe(29);
    expect((await stat(seg)).size).toBe(frameAt(30));
    const cut = lines.find((x) => x.msg === 'cut a torn tail');
    expect(cut).toMatchObject({ level: 40, position: frameAt(30), bytesCut: 50 });
    expect(String(cut?.segment)).toContain('00000000000000000001.log');
    await log.append(entries(30, 1, 1, 40));
    expect(log.readSync(28, 31, 1 << 20).map((e) => e.index)).toEqual([28, 29, 30]);
  });

  it('cuts a partial header and a zero-filled tail', async () => {
    const { dir, seg } = await writeLog();
    await truncate(seg, frameAt(30) + 10);
    expect((await reopen(dir)).log.lastIndex).toBe(29);
    await cleanups.pop()?.();
    await truncate(seg, frameAt(30) + 4096); // zeros, as after a crash that extended the file
    expect((await reopen(dir)).log.lastIndex).toBe(29);
  });

  it('cuts a bad CRC in the last frame when nothing valid follows', async () => {
    const { dir, seg } = await writeLog();
    await poke(seg, frameAt(30) + FRAME_HEADER_BYTES + 5, Buffer.from([0xff, 0xee]));
    await rmIndex(dir); // with the index intact frame 30 is known durable: see the next test
    expect((await reopen(dir)).log.lastIndex).toBe(29);
  });

  it('detects bit rot inside the indexed part on read', async () => {
    const { dir, seg } = await writeLog();
    await poke(seg, frameAt(7) + FRAME_HEADER_BYTES + 1, Buffer.from([0x42, 0x42]));
    const { log } = await reopen(dir);
    expect(log.lastIndex).toBe(30);
    expect(() => log.readSync(5, 9, 1 << 20)).toThrow(WalCorruptionError);
    await expect(log.read(7, 8, 1 << 20)).rejects.toMatchObject({ detail: { position: frameAt(7), index: 7 } });
  });

  it('refuses a mid-log bad CRC with the precise location', async () => {
    const { dir, seg } = await writeLog();
    await poke(seg, frameAt(12) + FRAME_HEADER_BYTES + 3, Buffer.from([0x00, 0x01, 0x02]));
    await rmIndex(dir);
    const err = await reopen(dir).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(WalCorruptionError);
    const detail = (err as WalCorruptionError).detail;
    expect(detail).toMatchObject({ logId: 'r', position: frameAt(12), index: 12, reason: 'CRC mismatch' });
    expect(detail.segment).toBe(seg);
    expect(detail.expectedCrc).not.toBe(detail.actualCrc);
    expect(typeof detail.actualCrc).toBe('number');
  });

  it('refuses a bad header with valid frames after it', async () => {
    const { dir, seg } = await writeLog();
    await poke(seg, frameAt(20), Buffer.from([0x00]));
    await rmIndex(dir);
    await expect(reopen(dir)).rejects.toMatchObject({ name: 'WalCorruptionError', detail: { position: frameAt(20) } });
  });

  it('validates the unindexed tail even when the index is intact (past the torn-tail window: refused)', async () => {
    const { dir, cleanup } = await tempDir();
    cleanups.push(cleanup);
    // A tiny round bound shrinks the torn-tail window (row 13) below the 68 bytes after frame 11.
    const store = await WalStore.open({ dir, logger, maxRoundBytes: 8 });
    const log = await store.openLog('r');
    await log.append(entries(1, 10, 1, 40));
    const seg = log.segments()[0]?.file ?? '';
    await store.close();
    // Frames 11..16 appended behind the index's back, then 11 corrupted: 12..16 are valid after it,
    // 408 bytes in all, more than the window (2 × (40 × 2 + 28) = 216 bytes).
    const fh = await open(seg, 'a');
    for (const e of entries(11, 6, 1, 40)) await fh.write(Buffer.concat([encodeFrameHeader(e), e.data]));
    await fh.close();
    await poke(seg, frameAt(11) + FRAME_HEADER_BYTES, Buffer.from([0x99]));
    const reopened = WalStore.open({ dir, logger, maxRoundBytes: 8 }).then(async (s) => {
      cleanups.push(() => s.close());
      return s.openLog('r');
    });
    await expect(reopened).rejects.toMatchObject({ name: 'WalCorruptionError', detail: { position: frameAt(11), index: 11 } });
    await expect(reopened).rejects.toThrow(/farther than the torn-tail window/);
  });
});

async function rmIndex(dir: string): Promise<void> {
  const { rm } = await import('node:fs/promises');
  await rm(`${dir}/index`, { recursive: true, force: true });
}
