import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { FrameTooLargeError } from '../../../src/kafka/server/errors.js';
import { FrameDecoder } from '../../../src/kafka/server/frame-decoder.js';

const SEED = Number(process.env['CHRONIK_FC_SEED'] ?? 20261127);

function framed(payload: Buffer): Buffer {
  const head = Buffer.alloc(4);
  head.writeInt32BE(payload.length);
  return Buffer.concat([head, payload]);
}

describe('frame decoder', () => {
  it('yields the same frames however the stream is cut into chunks', () => {
    const payloads = fc.array(fc.uint8Array({ maxLength: 300 }).map((a) => Buffer.from(a)), { maxLength: 12 });
    fc.assert(
      fc.property(payloads, fc.array(fc.integer({ min: 1, max: 64 }), { minLength: 1, maxLength: 50 }), (frames, cuts) => {
        const stream = Buffer.concat(frames.map(framed));
        const decoder = new FrameDecoder(1024);
        const out: Buffer[] = [];
        let pos = 0;
        for (let i = 0; pos < stream.length; i++) {
          const n = cuts[i % cuts.length] as number;
          decoder.push(stream.subarray(pos, pos + n));
          pos += n;
          for (let f = decoder.next(); f !== undefined; f = decoder.next()) out.push(Buffer.from(f));
        }
        expect(out).toEqual(frames);
        expect(decoder.bufferedBytes()).toBe(0);
      }),
      { seed: SEED, numRuns: 300 },
    );
  });

  it('returns views of the received chunk when a frame lies within it', () => {
    const stream = Buffer.concat([framed(Buffer.from('abc')), framed(Buffer.from('de'))]);
    const decoder = new FrameDecoder(1024);
    decoder.push(stream);
    const first = decoder.next();
    expect(first?.buffer).toBe(stream.buffer);
    expect(first?.toString()).toBe('abc');
    expect(decoder.next()?.toString()).toBe('de');
  });

  it('rejects an oversized or negative size as soon as the 4 size bytes are in', () => {
    const decoder = new FrameDecoder(100);
    decoder.push(Buffer.from([0, 0]));
    expect(decoder.next()).toBeUndefined();
    decoder.push(Buffer.from([0, 101]));
    expect(() => decoder.next()).toThrow(FrameTooLargeError);
    const negative = new FrameDecoder(100);
    negative.push(Buffer.from([0xff, 0xff, 0xff, 0xff]));
    expect(() => negative.next()).toThrow(/-1 bytes/);
    const exact = new FrameDecoder(100);
    exact.push(framed(Buffer.alloc(100)));
    expect(exact.next()?.length).toBe(100);
  });
});

describe('frame decoder: a frame spanning chunks', () => {
  it('copies each chunk into the frame as it arrives, so a chunk is not held until the frame completes', () => {
    const payload = Buffer.alloc(300, 7);
    const stream = Buffer.concat([framed(payload), framed(Buffer.from('next'))]);
    const decoder = new FrameDecoder(1024);
    const first = Buffer.from(stream.subarray(0, 100));
    decoder.push(first);
    expect(decoder.next()).toBeUndefined();
    // The first chunk's bytes are in the frame already: overwriting the chunk changes nothing.
    first.fill(0);
    const second = Buffer.from(stream.subarray(100, 250));
    decoder.push(second);
    second.fill(0);
    expect(decoder.bufferedBytes()).toBe(246);
    decoder.push(stream.subarray(250));
    expect(decoder.next()).toEqual(payload);
    expect(decoder.next()?.toString()).toBe('next');
    expect(decoder.bufferedBytes()).toBe(0);
  });

  it('still checks the size against the limit before allocating', () => {
    const decoder = new FrameDecoder(100);
    decoder.push(Buffer.from([0, 0, 0, 101, 1, 2]));
    expect(() => decoder.next()).toThrow(FrameTooLargeError);
  });
});
