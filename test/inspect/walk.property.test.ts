/**
 * Decoding past corruption, as a seeded property: whatever byte ranges of a segment are
 * overwritten, the walk terminates without throwing and reports every frame that the damage did
 * not touch, at its position, with a good CRC — and no frame that was never written.
 */
import { expect, test } from 'vitest';
import fc from 'fast-check';
import { encodeFrameHeader, encodeSegmentHeader, SEGMENT_HEADER_BYTES } from '../../src/wal/frame.js';
import { walkFrames } from '../../tools/inspect/walk.js';

const SEED = 20261127;

interface Built {
  bytes: Buffer;
  frames: Array<{ position: number; end: number; index: number }>;
}

function buildSegment(sizes: readonly number[]): Built {
  const parts: Buffer[] = [Buffer.from(encodeSegmentHeader(1))];
  const frames: Built['frames'] = [];
  let at = SEGMENT_HEADER_BYTES;
  sizes.forEach((size, i) => {
    const data = Buffer.alloc(size, (i * 37) & 0xff);
    const header = Buffer.from(encodeFrameHeader({ index: i + 1, term: 1, type: 0, data }));
    parts.push(header, data);
    frames.push({ position: at, end: at + header.length + size, index: i + 1 });
    at += header.length + size;
  });
  return { bytes: Buffer.concat(parts), frames };
}

test('walk reports every untouched frame and no phantom frame, whatever is damaged', () => {
  const damage = fc.record({ at: fc.nat(), length: fc.integer({ min: 1, max: 200 }), fill: fc.uint8Array({ minLength: 1, maxLength: 16 }) });
  const property = fc.property(fc.array(fc.integer({ min: 0, max: 300 }), { minLength: 1, maxLength: 40 }), fc.array(damage, { maxLength: 4 }), (sizes, damages) => {
    const { bytes, frames } = buildSegment(sizes);
    const hit: Array<[number, number]> = [];
    for (const d of damages) {
      const start = SEGMENT_HEADER_BYTES + (d.at % (bytes.length - SEGMENT_HEADER_BYTES));
      const end = Math.min(bytes.length, start + d.length);
      for (let p = start; p < end; p++) bytes[p] = d.fill[(p - start) % d.fill.length] ?? 0;
      hit.push([start, end]);
    }
    const seen = new Map<number, number>();
    let steps = 0;
    walkFrames(bytes, {
      frame: (f) => {
        if (f.crcOk) seen.set(f.position, f.header.index);
        return ++steps < 10_000;
      },
      damage: () => ++steps < 10_000,
    });
    expect(steps).toBeLessThan(10_000);
    const byPosition = new Map(frames.map((f) => [f.position, f.index]));
    for (const [position, index] of seen) expect(byPosition.get(position)).toBe(index);
    const touched = (f: { position: number; end: number }): boolean => hit.some(([s, e]) => s < f.end && e > f.position);
    for (const f of frames) if (!touched(f)) expect(seen.get(f.position)).toBe(f.index);
  });
  // eslint-disable-next-line no-console
  console.log(`walk property seed ${SEED}`);
  fc.assert(property, { seed: SEED, numRuns: 300 });
});
