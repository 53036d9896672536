import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { concatBuffers, message, MessageType, RaftCodecError, type Message } from '../../../src/raft/core/index.js';
import { decodeFrame, FrameBuilder } from '../../../src/raft/driver/index.js';
import { isCompactHeartbeat } from '../../../src/raft/driver/frame.js';

const SEED = Number(process.env['FC_SEED'] ?? 20261127);
const FROM = 3;
const TO = 7;

// ASCII ids take the decoder's fast path, the others its strict UTF-8 path: both must round-trip.
const arbGroup = fc.oneof(fc.string({ minLength: 1, maxLength: 40 }), fc.string({ unit: 'grapheme', minLength: 1, maxLength: 20 }));
const arbMessage: fc.Arbitrary<Message> = fc
  .record({
    type: fc.constantFrom(MessageType.APPEND, MessageType.APPEND_RESP, MessageType.HEARTBEAT, MessageType.HEARTBEAT_RESP, MessageType.VOTE),
    term: fc.integer({ min: 1, max: 1e9 }),
    index: fc.oneof(fc.constant(0), fc.integer({ min: 0, max: 1e9 })),
    commit: fc.integer({ min: 0, max: Number.MAX_SAFE_INTEGER }),
    context: fc.integer({ min: 0, max: 1e6 }),
    reject: fc.boolean(),
    // A quiesce HEARTBEAT takes the compact item 0x87; the flag on others, the core codec's bit 8.
    quiesce: fc.boolean(),
    data: fc.array(fc.uint8Array({ maxLength: 32 }), { maxLength: 4 }),
  })
  .map((r) =>
    message({
      type: r.type,
      from: FROM,
      to: TO,
      term: r.term,
      index: r.index,
      commit: r.commit,
      context: r.context,
      reject: r.reject,
      quiesce: r.quiesce,
      entries: r.type === MessageType.APPEND ? r.data.map((data, i) => ({ index: r.index + 1 + i, term: r.term, type: 0, data })) : [],
    }),
  );

function build(items: Array<[string, Message]>): Uint8Array {
  const b = new FrameBuilder();
  for (const [g, m] of items) b.add(Buffer.from(g, 'utf8'), m);
  return concatBuffers(b.build());
}

function comparable(m: Message): unknown {
  return { ...m, entries: m.entries.map((e) => ({ ...e, data: [...e.data] })) };
}

describe('driver frame codec', () => {
  it('round-trips any mix of groups and messages (heartbeats compact, the rest via the core codec)', () => {
    fc.assert(
      fc.property(fc.array(fc.tuple(arbGroup, arbMessage), { maxLength: 30 }), (items) => {
        const decoded = decodeFrame(build(items), FROM, TO);
        // Heartbeats come first (their own section); within each section the order is kept.
        const isHb = isCompactHeartbeat;
        const expected = [...items.filter(([, m]) => isHb(m)), ...items.filter(([, m]) => !isHb(m))];
        expect(decoded.map((d) => [d.groupId, comparable(d.message)])).toEqual(expected.map(([g, m]) => [g, comparable(m)]));
      }),
      { seed: SEED, numRuns: 200 },
    );
  });

  it(`decodes a frame split into runs at any points exactly as the whole (seed ${SEED})`, () => {
    // A frame arrives as the views of the socket reads it spans; it is decoded in place.
    const arbBig = fc.array(fc.tuple(arbGroup, arbMessage), { minLength: 1, maxLength: 12 });
    fc.assert(
      fc.property(arbBig, fc.array(fc.nat(4000), { maxLength: 12 }), (items, cuts) => {
        const whole = build(items);
        const points = [...new Set(cuts.map((c) => c % (whole.byteLength + 1)))].sort((a, b) => a - b);
        const runs: Uint8Array[] = [];
        let at = 0;
        for (const p of [...points, whole.byteLength]) {
          runs.push(whole.subarray(at, p)); // empty runs included: the reader must skip them
          at = p;
        }
        const expected = decodeFrame(whole, FROM, TO).map((d) => [d.groupId, comparable(d.message)]);
        expect(decodeFrame(runs, FROM, TO).map((d) => [d.groupId, comparable(d.message)])).toEqual(expected);
        // Truncating the last run truncates the frame: refused, never a crash.
        if (whole.byteLength > 0) {
          const short = [...runs.slice(0, -1), (runs[runs.length - 1] ?? new Uint8Array(0)).subarray(0, -1)];
          if (short.reduce((n, r) => n + r.byteLength, 0) < whole.byteLength) expect(() => decodeFrame(short, FROM, TO)).toThrow(RaftCodecError);
        }
      }),
      { seed: SEED, numRuns: 300 },
    );
  });

  it('hands out entry data as views of the run they lie in, and copies only an entry that crosses runs', () => {
    const entries = [0, 1, 2].map((i) => ({ index: 11 + i, term: 2, type: 0, data: new Uint8Array(1000).fill(i + 1) }));
    const whole = build([['g', message({ type: MessageType.APPEND, from: FROM, to: TO, term: 2, index: 10, logTerm: 2, entries })]]);
    // Cut inside the second entry's data: frame header 10 + item head 2+1+4 + message header 64,
    // then each entry is 21 bytes of header and 1000 of data.
    const secondData = 10 + 7 + 64 + 1021 + 21;
    const runs = [Buffer.from(whole.subarray(0, secondData + 500)), Buffer.from(whole.subarray(secondData + 500))];
    const [item] = decodeFrame(runs, FROM, TO);
    const got = item?.message.entries ?? [];
    expect(got.map((e) => e.data[0])).toEqual([1, 2, 3]);
    expect(got.map((e) => e.data.byteLength)).toEqual([1000, 1000, 1000]);
    expect(got[0]?.data.buffer).toBe(runs[0]?.buffer);
    expect(got[1]?.data.buffer).not.toBe(runs[0]?.buffer);
    expect(got[1]?.data.buffer).not.toBe(runs[1]?.buffer);
    expect(got[2]?.data.buffer).toBe(runs[1]?.buffer);
  });

  it('a heartbeat costs 27 bytes plus its group id', () => {
    const b = new FrameBuilder();
    for (let i = 0; i < 100; i++) b.add(Buffer.from(`topic-${i}`), message({ type: MessageType.HEARTBEAT, from: FROM, to: TO, term: 5, commit: 9 }));
    const size = concatBuffers(b.build()).byteLength;
    let ids = 0;
    for (let i = 0; i < 100; i++) ids += `topic-${i}`.length;
    expect(size).toBe(10 + 100 * 27 + ids);
  });

  it('garbage, truncations and bit flips throw RaftCodecError and nothing else', () => {
    const good = build([
      ['a', message({ type: MessageType.HEARTBEAT, from: FROM, to: TO, term: 1 })],
      ['b', message({ type: MessageType.APPEND, from: FROM, to: TO, term: 2, index: 4, entries: [{ index: 5, term: 2, type: 0, data: new Uint8Array([1, 2, 3]) }] })],
    ]);
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 200 }), (junk) => {
        try {
          decodeFrame(junk, FROM, TO);
        } catch (err) {
          expect(err).toBeInstanceOf(RaftCodecError);
        }
      }),
      { seed: SEED, numRuns: 500 },
    );
    for (let cut = 0; cut < good.byteLength; cut++) expect(() => decodeFrame(good.subarray(0, cut), FROM, TO)).toThrow(RaftCodecError);
    fc.assert(
      fc.property(fc.integer({ min: 0, max: good.byteLength * 8 - 1 }), (bit) => {
        const flipped = Uint8Array.from(good);
        flipped[bit >> 3] = (flipped[bit >> 3] ?? 0) ^ (1 << (bit & 7));
        try {
          decodeFrame(flipped, FROM, TO);
        } catch (err) {
          expect(err).toBeInstanceOf(RaftCodecError);
        }
      }),
      { seed: SEED, numRuns: 300 },
    );
  });

  it('refuses a group id that is not UTF-8, and keeps non-ASCII ids intact', () => {
    const hb = message({ type: MessageType.HEARTBEAT, from: FROM, to: TO, term: 1 });
    const bad = new FrameBuilder();
    bad.add(new Uint8Array([0x61, 0xff, 0x62]), hb);
    expect(() => decodeFrame(concatBuffers(bad.build()), FROM, TO)).toThrow(RaftCodecError);
    expect(decodeFrame(build([['tópico-é', hb]]), FROM, TO)[0]?.groupId).toBe('tópico-é');
  });

  it('refuses messages whose addressing does not match the authenticated link', () => {
    const forged = build([['g', message({ type: MessageType.VOTE, from: FROM, to: TO, term: 3 })]]);
    expect(() => decodeFrame(forged, FROM + 1, TO)).toThrow(RaftCodecError);
    expect(() => decodeFrame(forged, FROM, TO + 1)).toThrow(RaftCodecError);
  });
});

describe('frame: the quiesce heartbeat', () => {
  it('is a compact item of type 0x87 that decodes back to a HEARTBEAT flagged quiesce', () => {
    const hb = message({ type: MessageType.HEARTBEAT, from: FROM, to: TO, term: 5, commit: 42, quiesce: true });
    expect(isCompactHeartbeat(hb)).toBe(true);
    const bytes = build([['g', hb]]);
    // header (10) | groupLen u16 | 'g' | item type
    expect(bytes[13]).toBe(0x87);
    const [item] = decodeFrame(bytes, FROM, TO);
    expect(item?.message).toEqual(hb);
    // A flagged answer is not a compact heartbeat: it travels in the core codec, flag bit 8.
    expect(isCompactHeartbeat(message({ type: MessageType.HEARTBEAT_RESP, from: FROM, to: TO, term: 5, quiesce: true }))).toBe(false);
  });
});
