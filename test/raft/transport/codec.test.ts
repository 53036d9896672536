import CRC32C from 'crc-32/crc32c.js';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { NATIVE_MIN_BYTES } from '../../../src/util/crc32c.js';
import { encodeFrame, FrameDecoder, FrameError, FrameKind, FRAME_HEADER_BYTES, joinParts, type FrameParts } from '../../../src/raft/transport/index.js';
import { Backoff } from '../../../src/raft/transport/backoff.js';
import { frameCrc, type FrameKindValue } from '../../../src/raft/transport/codec.js';
import * as hs from '../../../src/raft/transport/handshake.js';

const SEED = 20261127;

function decodeAll(stream: Buffer, cuts: number[], max = 1 << 20): Array<[FrameKindValue, Buffer]> {
  const out: Array<[FrameKindValue, Buffer]> = [];
  const decoder = new FrameDecoder(max);
  let at = 0;
  for (const cut of [...cuts.filter((c) => c > 0 && c < stream.length)].sort((a, b) => a - b).concat(stream.length)) {
    const chunk = stream.subarray(at, cut);
    decoder.push(chunk, (kind, parts) => {
      // Every part is a non-empty view of one pushed chunk, never a copy.
      for (const p of parts) {
        expect(p.byteLength).toBeGreaterThan(0);
        expect(p.buffer).toBe(stream.buffer);
      }
      out.push([kind, joinParts(parts)]);
    });
    at = cut;
  }
  expect(decoder.bufferedBytes()).toBe(0);
  return out;
}

/** Flips one random bit of `frame` per run: the decoder must deliver nothing (and throw only FrameError). */
function expectEveryFlipDetected(frame: Buffer, numRuns: number): void {
  fc.assert(
    fc.property(fc.nat(frame.length * 8 - 1), (bit) => {
      const bad = Buffer.from(frame);
      bad[bit >> 3]! ^= 1 << (bit & 7);
      let delivered = 0;
      // A flipped length bit either overruns the limit, leaves the frame incomplete, or fails the CRC.
      try {
        new FrameDecoder(1 << 20).push(bad, () => (delivered += 1));
      } catch (err) {
        expect(err).toBeInstanceOf(FrameError);
      }
      expect(delivered).toBe(0);
    }),
    { seed: SEED, numRuns },
  );
}

describe('frame codec', () => {
  it('puts length, CRC-32C and kind in a 9-byte header in front of the untouched payload parts', () => {
    const a = Buffer.from('1234');
    const b = Buffer.from('56789');
    const [header, ...parts] = encodeFrame(FrameKind.DATA, [a, b]);
    expect(header?.length).toBe(FRAME_HEADER_BYTES);
    expect(parts[0]).toBe(a); // the same object: no copy
    expect(parts[1]).toBe(b);
    expect(Buffer.from(header!).readUInt32BE(0)).toBe(9);
    expect(header![8]).toBe(FrameKind.DATA);
  });

  it(`decodes any frame sequence however the stream is chunked (seed ${SEED})`, () => {
    const frameArb = fc.record({
      kind: fc.constantFrom(FrameKind.DATA, FrameKind.HEARTBEAT, FrameKind.HELLO),
      parts: fc.array(fc.uint8Array({ maxLength: 300 }), { maxLength: 4 }),
    });
    fc.assert(
      fc.property(fc.array(frameArb, { maxLength: 20 }), fc.array(fc.nat(8000), { maxLength: 30 }), (frames, cuts) => {
        const stream = Buffer.concat(frames.flatMap((f) => encodeFrame(f.kind, f.parts)));
        const decoded = decodeAll(stream, cuts);
        expect(decoded.map(([k]) => k)).toEqual(frames.map((f) => f.kind));
        decoded.forEach(([, payload], i) => expect(payload.equals(Buffer.concat(frames[i]!.parts))).toBe(true));
      }),
      { seed: SEED, numRuns: 300 },
    );
  });

  it('returns views into the received chunk when a frame lies inside it', () => {
    const chunk = Buffer.concat(encodeFrame(FrameKind.DATA, [Buffer.from('view me')]));
    let parts: FrameParts = [];
    new FrameDecoder(100).push(chunk, (_k, p) => (parts = p));
    expect(parts.length).toBe(1);
    expect(parts[0]?.buffer).toBe(chunk.buffer);
    expect(parts[0]?.toString()).toBe('view me');
  });

  it('hands a frame spanning several chunks out as views of each, in order, without copying', () => {
    const payload = Buffer.alloc(10_000, 7);
    const stream = Buffer.concat(encodeFrame(FrameKind.DATA, [payload]));
    const chunks = [stream.subarray(0, 4), Buffer.from(stream.subarray(4, 3000)), Buffer.from(stream.subarray(3000, 7000)), Buffer.from(stream.subarray(7000))];
    const decoder = new FrameDecoder(1 << 20);
    const got: FrameParts[] = [];
    for (const c of chunks) decoder.push(c, (_k, p) => got.push(p));
    expect(got.length).toBe(1);
    const parts = got[0] ?? [];
    // The header split across the first two chunks; the payload starts at byte 9 of the stream.
    expect(parts.map((p) => p.byteLength)).toEqual([3000 - 9, 4000, stream.length - 7000]);
    expect(parts[0]?.buffer).toBe(chunks[1]?.buffer);
    expect(parts[1]?.buffer).toBe(chunks[2]?.buffer);
    expect(parts[2]?.buffer).toBe(chunks[3]?.buffer);
    expect(joinParts(parts).equals(payload)).toBe(true);
    expect(decoder.bufferedBytes()).toBe(0);
  });

  it(`detects every single-bit flip in header or payload (seed ${SEED})`, () => {
    expectEveryFlipDetected(Buffer.concat(encodeFrame(FrameKind.DATA, [Buffer.from('some payload bytes')])), 200);
  });

  it(`computes the same CRC-32C as the pure-JavaScript reference over kind and payload, parts of any size (seed ${SEED})`, () => {
    // The wire format is unchanged by the native CRC: a frame from a node running the old code
    // decodes here and vice versa. Parts straddle the size where the native implementation takes over.
    const partArb = fc.uint8Array({ maxLength: 3 * NATIVE_MIN_BYTES });
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 255 }), fc.array(partArb, { maxLength: 6 }), (kind, parts) => {
        const expected = CRC32C.buf(Buffer.concat([Buffer.of(kind), ...parts])) >>> 0;
        expect(frameCrc(kind, parts)).toBe(expected);
      }),
      { seed: SEED, numRuns: 300 },
    );
  });

  it(`detects every single-bit flip in a frame of packed chunks and large entries (seed ${SEED})`, () => {
    // A Raft append frame: small pieces packed into one chunk, a large entry passed through as is.
    const parts = [Buffer.alloc(40, 1), Buffer.alloc(4 * NATIVE_MIN_BYTES, 2), Buffer.alloc(NATIVE_MIN_BYTES + 3, 3)];
    parts.forEach((p, i) => p.forEach((_, j) => (p[j] = (j * 31 + i) & 0xff)));
    expectEveryFlipDetected(Buffer.concat(encodeFrame(FrameKind.DATA, parts)), 500);
  });

  it('rejects an oversize length from the header alone, and an unknown kind', () => {
    const header = Buffer.alloc(FRAME_HEADER_BYTES);
    header.writeUInt32BE(1001, 0);
    expect(() => new FrameDecoder(1000).push(header, () => undefined)).toThrow(/exceeds the limit of 1000/);
    const odd = Buffer.concat(encodeFrame(99 as FrameKindValue, [Buffer.from('x')]));
    expect(() => new FrameDecoder(1000).push(odd, () => undefined)).toThrow(/unknown frame kind 99/);
  });
});

describe('handshake messages', () => {
  it('round-trip and reject truncated or padded input', () => {
    const hello = { version: 1, fromId: 7, toId: 4_000_000_000, clusterId: 'prod-é', nonce: Buffer.alloc(16, 3), proof: Buffer.alloc(32, 9) };
    const encoded = hs.encodeHello(hello);
    expect(hs.decodeHello(encoded)).toEqual(hello);
    expect(() => hs.decodeHello(encoded.subarray(0, encoded.length - 1))).toThrow(FrameError);
    expect(() => hs.decodeHello(Buffer.concat([encoded, Buffer.alloc(1)]))).toThrow(/trailing bytes/);
    const welcome = { version: 1, nodeId: 3, clusterId: 'c', proof: Buffer.alloc(0) };
    expect(hs.decodeWelcome(hs.encodeWelcome(welcome))).toEqual(welcome);
    expect(hs.decodeRefuse(hs.encodeRefuse('no'))).toBe('no');
    expect(hs.decodeChallenge(hs.encodeChallenge({ version: 1, nonce: Buffer.alloc(16, 1) })).nonce.length).toBe(16);
  });
});

describe('reconnect backoff', () => {
  it('grows exponentially within [d/2, d), caps at the maximum, and resets', () => {
    let r = 0;
    const b = new Backoff({ minMs: 50, maxMs: 2000, random: () => r });
    const lows = Array.from({ length: 8 }, () => b.next());
    expect(lows).toEqual([25, 50, 100, 200, 400, 800, 1000, 1000]);
    r = 0.999999;
    for (let i = 0; i < 100; i++) expect(b.next()).toBeLessThan(2000);
    b.reset();
    expect(b.next()).toBe(49);
  });
});
