import { describe, expect, it } from 'vitest';
import {
  checkFrame,
  decodeFrameHeader,
  decodeSegment,
  decodeSegmentHeader,
  encodeFrameHeader,
  encodeSegmentHeader,
  FRAME_HEADER_BYTES,
  FRAME_MAGIC,
  parseSegmentFileName,
  SEGMENT_HEADER_BYTES,
  segmentFileName,
  segmentHeaderValid,
} from '../../src/wal/frame.js';
import { sanitiseLogId } from '../../src/wal/segment-files.js';
import { readBatchFields } from '../../src/wal/kafka-batch.js';
import { recordBatch } from './helpers.js';

function flip(b: Buffer, at: number, mask: number): void {
  b.writeUInt8(b.readUInt8(at) ^ mask, at);
}

function segmentOf(n: number): Buffer {
  const parts: Uint8Array[] = [encodeSegmentHeader(1)];
  for (let i = 1; i <= n; i++) {
    const e = { index: i, term: 2 ** 40 + i, type: i % 3, data: Buffer.alloc(i * 3, i) };
    parts.push(encodeFrameHeader(e), e.data);
  }
  return Buffer.concat(parts);
}

describe('frame format', () => {
  it('round-trips headers with 8-byte big-endian index and term', () => {
    const e = { index: 2 ** 52 + 3, term: 2 ** 33 + 1, type: 2, data: Buffer.from('payload') };
    const h = encodeFrameHeader(e);
    expect(h.byteLength).toBe(FRAME_HEADER_BYTES);
    expect(h[0]).toBe(FRAME_MAGIC);
    expect(Buffer.from(h).readBigUInt64BE(8)).toBe(BigInt(e.index));
    const bytes = Buffer.concat([h, e.data]);
    const check = checkFrame(bytes, 0);
    expect(check.kind).toBe('ok');
    expect(decodeFrameHeader(bytes, 0)).toMatchObject({ index: e.index, term: e.term, type: 2, length: 7 });
  });

  it('detects payload and header corruption and short frames', () => {
    const e = { index: 1, term: 1, type: 0, data: Buffer.from('abcdef') };
    const bytes = Buffer.concat([encodeFrameHeader(e), e.data]);
    const flipped = Buffer.from(bytes);
    flip(flipped, FRAME_HEADER_BYTES + 2, 1);
    expect(checkFrame(flipped, 0).kind).toBe('bad-crc');
    const term = Buffer.from(bytes);
    flip(term, 20, 1);
    expect(checkFrame(term, 0).kind).toBe('bad-crc');
    const magic = Buffer.from(bytes);
    magic[0] = 0;
    expect(checkFrame(magic, 0).kind).toBe('bad-header');
    expect(checkFrame(bytes.subarray(0, 10), 0).kind).toBe('short-header');
    expect(checkFrame(bytes.subarray(0, 30), 0).kind).toBe('short-payload');
  });

  it('segment header carries version and base index, CRC-protected', () => {
    const h = decodeSegmentHeader(encodeSegmentHeader(4097));
    expect(h).toMatchObject({ version: 1, baseIndex: 4097, headerBytes: SEGMENT_HEADER_BYTES });
    expect(h !== undefined && segmentHeaderValid(h)).toBe(true);
    const bad = Buffer.from(encodeSegmentHeader(4097));
    flip(bad, 12, 1);
    const hb = decodeSegmentHeader(bad);
    expect(hb !== undefined && segmentHeaderValid(hb)).toBe(false);
  });

  it('decodeSegment reports every frame and continues past a bad CRC', () => {
    const seg = segmentOf(5);
    const clean = decodeSegment(seg);
    expect(clean.headerOk).toBe(true);
    expect(clean.complete).toBe(true);
    expect(clean.frames.map((f) => [f.index, f.status])).toEqual([1, 2, 3, 4, 5].map((i) => [i, 'ok']));
    const third = clean.frames[2]?.position ?? 0;
    const bad = Buffer.from(seg);
    flip(bad, third + FRAME_HEADER_BYTES, 0xff);
    const r = decodeSegment(bad);
    expect(r.frames.map((f) => f.status)).toEqual(['ok', 'ok', 'bad-crc', 'ok', 'ok']);
    expect(r.frames[2]?.actualCrc).not.toBe(r.frames[2]?.expectedCrc);
    const badHeader = Buffer.from(seg);
    badHeader[third] = 0;
    const r2 = decodeSegment(badHeader);
    expect(r2.frames.map((f) => f.status)).toEqual(['ok', 'ok', 'bad-header']);
    expect(r2.complete).toBe(false);
    expect(decodeSegment(seg.subarray(0, seg.length - 2)).frames.at(-1)?.status).toBe('truncated');
  });

  it('names segments Kafka style and sanitises log ids', () => {
    expect(segmentFileName(1)).toBe('00000000000000000001.log');
    expect(parseSegmentFileName('00000000000000004097.log')).toBe(4097);
    expect(parseSegmentFileName('4097.log')).toBeUndefined();
    expect(sanitiseLogId('p.orders.3')).toBe('p.orders.3');
    expect(sanitiseLogId('a/b')).toBe('a%2Fb');
    expect(sanitiseLogId('..')).toBe('%2E%2E');
    expect(sanitiseLogId('ü')).toBe('%C3%BC');
  });

  it('reads the record batch fields at their fixed offsets', () => {
    expect(readBatchFields(recordBatch(1000, 5, 1700000000000))).toEqual({ baseOffset: 1000, lastOffset: 1004, maxTimestamp: 1700000000000 });
    expect(() => readBatchFields(Buffer.alloc(10))).toThrow();
  });
});
