import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { concatBuffers, decodeMessage, encodeMessage } from '../../../src/raft/core/codec.js';
import { RaftCodecError, RaftProtocolError } from '../../../src/raft/core/errors.js';
import { MAX_MESSAGE_TYPE, message, type Entry, type Message, type MessageType } from '../../../src/raft/core/types.js';
import { Cluster } from './harness.js';

const SEED = Number(process.env['FC_SEED'] ?? 7031);

/** Well-formed but arbitrary messages, close enough to real ones to reach deep code paths. */
const hostile = (to: number): fc.Arbitrary<Message> =>
  fc
    .record({
      type: fc.integer({ min: 1, max: MAX_MESSAGE_TYPE }),
      from: fc.constantFrom(1, 2, 3, 9),
      term: fc.integer({ min: 0, max: 4 }),
      logTerm: fc.integer({ min: 0, max: 4 }),
      index: fc.integer({ min: 0, max: 8 }),
      commit: fc.integer({ min: 0, max: 10 }),
      reject: fc.boolean(),
      rejectHint: fc.integer({ min: 0, max: 10 }),
      context: fc.integer({ min: 0, max: 3 }),
      count: fc.integer({ min: 0, max: 3 }),
      snap: fc.option(fc.record({ index: fc.integer({ min: 1, max: 10 }), term: fc.integer({ min: 1, max: 4 }) }), { nil: undefined }),
    })
    .map((r) => {
      const term = Math.max(r.term, 1);
      const logTerm = Math.min(r.logTerm, term);
      const entries: Entry[] = Array.from({ length: r.count }, (_, i) => ({ index: r.index + 1 + i, term, type: 0, data: new Uint8Array(1) }));
      return message({
        type: r.type as MessageType,
        from: r.from,
        to,
        term: r.term,
        logTerm,
        index: r.index,
        commit: r.commit,
        reject: r.reject,
        rejectHint: r.rejectHint,
        context: r.context,
        entries,
        snapshot: r.snap === undefined ? undefined : { metadata: { index: r.snap.index, term: r.snap.term, confState: { voters: [1, 2, 3], learners: [] } }, data: new Uint8Array(4) },
      });
    });

describe('raft core: hostile peers', () => {
  it(`never crashes on well-formed garbage; only RaftProtocolError escapes step (fast-check seed ${SEED})`, () => {
    fc.assert(
      fc.property(fc.array(fc.tuple(fc.constantFrom(1, 2, 3), fc.nat()), { minLength: 1, maxLength: 12 }), fc.nat(), (targets, salt) => {
        const c = new Cluster([1, 2, 3]);
        c.node(1).node.campaign();
        c.settle();
        c.propose(1, 'a');
        c.propose(1, 'b');
        c.settle();
        targets.forEach(([to, n], i) => {
          const m = fc.sample(hostile(to), { seed: salt + n + i, numRuns: 1 })[0];
          if (m === undefined) return;
          let wire: Message;
          try {
            wire = decodeMessage(concatBuffers(encodeMessage(m)));
          } catch (err) {
            expect(err).toBeInstanceOf(RaftCodecError); // the codec already refuses it
            return;
          }
          try {
            c.node(to).node.step(wire);
          } catch (err) {
            expect(err).toBeInstanceOf(RaftProtocolError);
          }
          c.tick(to);
          c.settle();
        });
      }),
      { seed: SEED, numRuns: 300 },
    );
  });
});
