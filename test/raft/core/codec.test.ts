import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { CODEC_VERSION, concatBuffers, decodeMessage, encodeMessage, encodeMessageInto, messageSize } from '../../../src/raft/core/codec.js';
import { Packer } from '../../../src/raft/driver/packer.js';
import { ConfChangeType, applyChange, decodeConfChange, encodeConfChange } from '../../../src/raft/core/conf-change.js';
import { RaftCodecError } from '../../../src/raft/core/errors.js';
import { MAX_MESSAGE_TYPE, MessageType, message, type Message, type MessageType as MT } from '../../../src/raft/core/types.js';

const SEED = Number(process.env['FC_SEED'] ?? 20261127);
const u64 = fc.integer({ min: 0, max: Number.MAX_SAFE_INTEGER });
const id = fc.integer({ min: 1, max: 0xffff_ffff });
const bytes = fc.uint8Array({ maxLength: 64 });

const arbMessage: fc.Arbitrary<Message> = fc
  .record({
    type: fc.integer({ min: 1, max: MAX_MESSAGE_TYPE }),
    from: id,
    to: id,
    term: fc.integer({ min: 1, max: Number.MAX_SAFE_INTEGER }),
    logTerm: fc.integer({ min: 0, max: 2 ** 40 }),
    index: fc.integer({ min: 0, max: 1e12 }),
    commit: u64,
    reject: fc.boolean(),
    rejectHint: u64,
    context: u64,
    entryData: fc.array(fc.record({ type: fc.integer({ min: 0, max: 255 }), data: bytes }), { maxLength: 5 }),
    snapshot: fc.option(
      fc.record({
        index: fc.integer({ min: 1, max: Number.MAX_SAFE_INTEGER }),
        term: fc.integer({ min: 1, max: Number.MAX_SAFE_INTEGER }),
        voters: fc.array(id, { maxLength: 5 }),
        learners: fc.array(id, { maxLength: 3 }),
        data: bytes,
      }),
      { nil: undefined },
    ),
    readContext: fc.option(bytes, { nil: undefined }),
  })
  .map((r) =>
    message({
      type: r.type as MT,
      from: r.from,
      to: r.to,
      term: r.term,
      logTerm: Math.min(r.logTerm, r.term),
      index: r.index,
      commit: r.commit,
      reject: r.reject,
      rejectHint: r.rejectHint,
      context: r.context,
      entries: r.entryData.map((e, i) => ({ index: r.index + 1 + i, term: r.term, type: e.type, data: e.data })),
      snapshot:
        r.snapshot === undefined
          ? undefined
          : { metadata: { index: r.snapshot.index, term: r.snapshot.term, confState: { voters: r.snapshot.voters, learners: r.snapshot.learners } }, data: r.snapshot.data },
      readContext: r.readContext,
    }),
  );

function plain(m: Message): unknown {
  return JSON.parse(JSON.stringify(m, (_k, v: unknown) => (v instanceof Uint8Array ? Array.from(v) : v))) as unknown;
}

describe('raft message codec', () => {
  it(`round-trips every message (fast-check seed ${SEED})`, () => {
    fc.assert(
      fc.property(arbMessage, (m) => {
        expect(plain(decodeMessage(concatBuffers(encodeMessage(m))))).toEqual(plain(m));
      }),
      { seed: SEED, numRuns: 500 },
    );
  });

  it(`encodeMessageInto a frame packer writes exactly encodeMessage's bytes, messageSize their count (fast-check seed ${SEED})`, () => {
    // Large entries pass through the packer as views, small ones are copied, chunks roll over.
    const big = (n: number, seed: number): Uint8Array => Uint8Array.from({ length: n }, (_, i) => (i * 7 + seed) & 0xff);
    const arbWithBig = fc.tuple(arbMessage, fc.array(fc.integer({ min: 0, max: 20_000 }), { maxLength: 3 })).map(([m, sizes]) =>
      sizes.length === 0 ? m : { ...m, entries: sizes.map((n, i) => ({ index: m.index + 1 + i, term: m.term, type: 0, data: big(n, i) })) },
    );
    fc.assert(
      fc.property(fc.array(arbWithBig, { minLength: 1, maxLength: 8 }), (ms) => {
        const packer = new Packer();
        for (const m of ms) encodeMessageInto(m, packer);
        const expected = concatBuffers(ms.flatMap((m) => encodeMessage(m)));
        expect(Buffer.from(concatBuffers(packer.finish())).equals(Buffer.from(expected))).toBe(true);
        expect(ms.reduce((n, m) => n + messageSize(m), 0)).toBe(expected.byteLength);
      }),
      { seed: SEED, numRuns: 300 },
    );
  });

  it('does not copy entry payloads: they are separate buffers on encode and views on decode', () => {
    const data = new Uint8Array([1, 2, 3, 4]);
    const m = message({ type: MessageType.APPEND, from: 1, to: 2, term: 3, index: 9, entries: [{ index: 10, term: 3, type: 2, data }] });
    const parts = encodeMessage(m);
    expect(parts).toContain(data);
    const wire = concatBuffers(parts);
    const back = decodeMessage(wire);
    expect(back.entries[0]?.data.buffer).toBe(wire.buffer);
  });

  it('encodes indexes as 8-byte big-endian values up to 2^53 - 1', () => {
    const m = message({ type: MessageType.HEARTBEAT, from: 1, to: 2, term: Number.MAX_SAFE_INTEGER, commit: 2 ** 40 + 7 });
    const wire = concatBuffers(encodeMessage(m));
    expect(wire[0]).toBe(CODEC_VERSION);
    const v = new DataView(wire.buffer);
    expect(v.getUint32(36)).toBe(2 ** 8);
    expect(v.getUint32(40)).toBe(7);
    expect(decodeMessage(wire).term).toBe(Number.MAX_SAFE_INTEGER);
  });

  it(`throws only RaftCodecError on garbage, truncation and bit flips (fast-check seed ${SEED})`, () => {
    const check = (b: Uint8Array): void => {
      try {
        decodeMessage(b);
      } catch (err) {
        expect(err).toBeInstanceOf(RaftCodecError);
      }
    };
    fc.assert(fc.property(fc.uint8Array({ maxLength: 300 }), (b) => check(b)), { seed: SEED, numRuns: 1000 });
    fc.assert(
      fc.property(arbMessage, fc.nat(), fc.nat(), (m, cut, flip) => {
        const wire = concatBuffers(encodeMessage(m));
        check(wire.subarray(0, cut % (wire.byteLength + 1)));
        const flipped = wire.slice();
        const at = flip % flipped.byteLength;
        flipped[at] = (flipped[at] ?? 0) ^ (1 << (flip % 8));
        check(flipped);
      }),
      { seed: SEED, numRuns: 500 },
    );
  });

  it('rejects specific malformed messages', () => {
    const good = concatBuffers(encodeMessage(message({ type: MessageType.APPEND, from: 1, to: 2, term: 2, index: 4, entries: [{ index: 5, term: 2, type: 0, data: new Uint8Array(3) }] })));
    const bad = (mutate: (b: Uint8Array, v: DataView) => void): Uint8Array => {
      const b = good.slice();
      mutate(b, new DataView(b.buffer));
      return b;
    };
    expect(() => decodeMessage(bad((b) => (b[0] = 9)))).toThrow(/version/);
    expect(() => decodeMessage(bad((b) => (b[1] = 99)))).toThrow(/type/);
    expect(() => decodeMessage(bad((_b, v) => v.setUint32(64, 0x00ff_ffff)))).toThrow(/2\^53/);
    expect(() => decodeMessage(bad((_b, v) => v.setUint32(68, 6)))).toThrow(/consecutive/);
    expect(() => decodeMessage(bad((_b, v) => v.setUint32(60, 1_000_000)))).toThrow(/entry count/);
    expect(() => decodeMessage(concatBuffers([good, new Uint8Array(1)]))).toThrow(/trailing/);
    expect(() => decodeMessage(bad((_b, v) => v.setUint32(4, 0)))).toThrow(/node id/);
    expect(() => decodeMessage(bad((_b, v) => v.setUint32(24, 3)))).toThrow(/decreases/);
  });

  it('round-trips and validates configuration changes', () => {
    const cs = { voters: [1, 2, 3], learners: [] };
    const cc = { type: ConfChangeType.ADD_LEARNER, nodeId: 42, result: applyChange(cs, { type: ConfChangeType.ADD_LEARNER, nodeId: 42 }) };
    expect(cc.result).toEqual({ voters: [1, 2, 3], learners: [42] });
    expect(decodeConfChange(encodeConfChange(cc))).toEqual(cc);
    expect(applyChange(cc.result, { type: ConfChangeType.ADD_VOTER, nodeId: 42 })).toEqual({ voters: [1, 2, 3, 42], learners: [] });
    expect(applyChange(cs, { type: ConfChangeType.REMOVE_NODE, nodeId: 2 })).toEqual({ voters: [1, 3], learners: [] });
    const wire = encodeConfChange(cc);
    expect(() => decodeConfChange(wire.subarray(0, wire.byteLength - 1))).toThrow(RaftCodecError);
    expect(() => decodeConfChange(new Uint8Array([1, 9, 0, 0, 0, 1, 0, 0, 0, 0]))).toThrow(RaftCodecError);
    expect(() => decodeConfChange(new Uint8Array(2))).toThrow(RaftCodecError);
  });
});
