import { describe, expect, it } from 'vitest';
import { ChunkPool, COPY_MAX_BYTES, FrameStage, frameBuffers } from '../../src/wal/frame-stage.js';
import { checkFrame, encodeFrameHeader, FRAME_HEADER_BYTES, SEGMENT_HEADER_BYTES } from '../../src/wal/frame.js';
import { payload } from './helpers.js';

/** What the writev list amounts to on disk: its buffers back to back. */
function written(buffers: Uint8Array[]): Buffer {
  return Buffer.concat(buffers);
}

/** The reference bytes of frames: a separately encoded header, then the payload. */
function reference(entries: Array<{ index: number; term: number; type: number; data: Uint8Array }>): Buffer {
  return Buffer.concat(entries.flatMap((e) => [encodeFrameHeader(e), e.data]));
}

describe('frame stage', () => {
  const sizes = [0, 1, 100, 1024, COPY_MAX_BYTES, COPY_MAX_BYTES + 1, 70_000, 3000, 5000, 200_000];
  const entries = sizes.map((size, i) => ({ index: 2 ** 40 + i, term: 7 + (i >> 2), type: i % 3, data: payload(i, size) }));

  it('stages frames whose bytes equal the reference encoding, copying only small payloads', () => {
    const stage = new FrameStage();
    const staged = entries.map((e) => stage.stage(e));
    staged.forEach((s, i) => {
      const size = sizes[i] ?? 0;
      expect(s.byteLength).toBe(FRAME_HEADER_BYTES + (size <= COPY_MAX_BYTES ? size : 0));
    });
    const buffers = frameBuffers(staged, entries);
    expect(written(buffers).equals(reference(entries))).toBe(true);
    // Large payloads are passed through as the very same bytes (never copied).
    for (const e of entries) if (e.data.byteLength > COPY_MAX_BYTES) expect(buffers).toContain(e.data);
    // Every frame decodes with a good CRC when laid out after a segment header.
    const file = Buffer.concat([Buffer.alloc(SEGMENT_HEADER_BYTES), written(buffers)]);
    let at = SEGMENT_HEADER_BYTES;
    for (const e of entries) {
      const check = checkFrame(file, at);
      expect(check.kind).toBe('ok');
      at += FRAME_HEADER_BYTES + e.data.byteLength;
    }
  });

  it('merges adjacent small frames into few buffers, across chunk growth', () => {
    const stage = new FrameStage();
    const small = Array.from({ length: 300 }, (_, i) => ({ index: i + 1, term: 1, type: 0, data: payload(i, 1000) }));
    const staged = small.map((e) => stage.stage(e));
    const buffers = frameBuffers(staged, small);
    // ~300 KiB of frames in chunks that start at 4 KiB and double to 64 KiB: a handful of buffers, not 600.
    expect(buffers.length).toBeLessThan(12);
    expect(written(buffers).equals(reference(small))).toBe(true);
  });

  it('reuses its chunk after reset without touching frames staged in an earlier chunk', () => {
    const stage = new FrameStage();
    const a = { index: 1, term: 1, type: 0, data: payload(1, 500) };
    const first = stage.stage(a);
    const copyOfFirst = Buffer.from(first);
    stage.reset();
    const b = { index: 2, term: 1, type: 0, data: payload(2, 500) };
    const second = stage.stage(b);
    // Same bytes of the same chunk, now holding b's frame: reset is only for when a's was written.
    expect(second.buffer).toBe(first.buffer);
    expect(second.byteOffset).toBe(first.byteOffset);
    expect(Buffer.from(second).equals(reference([b]))).toBe(true);
    expect(copyOfFirst.equals(reference([a]))).toBe(true);
  });

  it('drops a grown chunk that a cycle barely used, so an idle log does not keep a burst-sized chunk', () => {
    const stage = new FrameStage();
    let last = stage.stage({ index: 1, term: 1, type: 0, data: payload(1, 1000) });
    // Stage until a 64 KiB chunk is more than half full (bounded: ~120 frames get there).
    for (let i = 2; i < 1000 && !(last.buffer.byteLength === 64 * 1024 && last.byteOffset > 32 * 1024); i++) {
      last = stage.stage({ index: i, term: 1, type: 0, data: payload(i, 1000) });
    }
    const grown = last.buffer;
    expect(grown.byteLength).toBe(64 * 1024);
    stage.reset(); // the burst filled it: kept
    const next = stage.stage({ index: 201, term: 1, type: 0, data: payload(201, 100) });
    expect(next.buffer).toBe(grown);
    stage.reset(); // this cycle used 128 bytes of 64 KiB: dropped
    const small = stage.stage({ index: 202, term: 1, type: 0, data: payload(202, 100) });
    expect(small.buffer).not.toBe(grown);
    expect(small.buffer.byteLength).toBe(4096);
  });

  it('gives a full chunk to the pool only once the last entry staged in it is durable, and starts full-size chunks from the pool', () => {
    const pool = new ChunkPool(4);
    const stage = new FrameStage(pool);
    // 1 KiB frames until three 64 KiB chunks were left full (bounded: ~320 frames).
    const staged: Uint8Array[] = [];
    const byChunk = new Map<ArrayBufferLike, number>();
    for (let i = 1; i <= 400 && [...byChunk.keys()].filter((b) => b.byteLength === 64 * 1024).length < 4; i++) {
      const f = stage.stage({ index: i, term: 1, type: 0, data: payload(i, 1000) });
      staged.push(f);
      byChunk.set(f.buffer, i);
    }
    const full = [...byChunk].filter(([b]) => b.byteLength === 64 * 1024);
    const [first, second] = full;
    if (first === undefined || second === undefined) throw new Error('expected two full-size chunks');
    const [firstBuffer, firstLast] = first;
    const copies = staged.map((f) => Buffer.from(f));
    // The first full-size chunk's last entry is not durable yet: nothing is free.
    stage.release(firstLast - 1);
    expect(pool.size).toBe(0);
    stage.release(firstLast);
    expect(pool.size).toBe(1);
    // Another log's stage, growing to full-size chunks, takes that one; the frames still pending in
    // the later chunks keep their bytes.
    const other = new FrameStage(pool);
    let last = other.stage({ index: 1, term: 1, type: 0, data: payload(1, 1000) });
    for (let i = 2; i < 400 && last.buffer !== firstBuffer; i++) last = other.stage({ index: i, term: 1, type: 0, data: payload(i, 1000) });
    expect(last.buffer).toBe(firstBuffer);
    expect(pool.size).toBe(0);
    staged.forEach((f, i) => {
      if (f.buffer !== firstBuffer) expect(Buffer.from(f).equals(copies[i] as Buffer)).toBe(true);
    });
  });

  it('keeps at most its bound of spare chunks, and only full-size ones', () => {
    const pool = new ChunkPool(2);
    for (let i = 0; i < 5; i++) pool.give(Buffer.allocUnsafeSlow(64 * 1024));
    pool.give(Buffer.allocUnsafeSlow(4096));
    expect(pool.size).toBe(2);
    const stage = new FrameStage(pool);
    for (let i = 1; i <= 200; i++) stage.stage({ index: i, term: 1, type: 0, data: payload(i, 1000) });
    stage.reset();
    expect(pool.size).toBe(2);
  });
});
