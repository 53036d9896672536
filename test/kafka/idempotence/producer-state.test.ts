import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ProducerStateManager } from '../../../src/kafka/idempotence/producer-state-manager.js';
import { CorruptProducerSnapshotError } from '../../../src/kafka/idempotence/snapshot.js';
import { INT32_MAX } from '../../../src/kafka/idempotence/sequence.js';
import type { CheckResult, LoggedProducerBatch, ProducerBatch, ProducerStateConfig } from '../../../src/kafka/idempotence/types.js';
import { ErrorCode } from '../../../src/util/errors.js';
import { silentLogger } from '../../../src/util/logger.js';

const SEED = 424242;

interface Op {
  readonly producerId: number;
  /** Start a new epoch (sequence 0) before this batch. */
  readonly epochBump: boolean;
  /** > 0: a gap; < -8: a step back (a retry or garbage); otherwise in order. */
  readonly seqSkew: number;
  readonly records: number;
}

class ManualClock {
  nowMs = 1_000_000;
  now(): number {
    return this.nowMs;
  }
}

function manager(config: Partial<ProducerStateConfig> = {}, clock = new ManualClock()): ProducerStateManager {
  return new ProducerStateManager({ clock, logger: silentLogger(), config });
}

function batch(producerId: number, producerEpoch: number, baseSequence: number, records = 1): ProducerBatch {
  return { producerId, producerEpoch, baseSequence, lastOffsetDelta: records - 1 };
}

function errorCode(result: CheckResult): number {
  return result.kind === 'error' ? result.error.code : ErrorCode.NONE;
}

/** A tiny partition leader: checks, appends (assigning offsets) and records what happened. */
class Leader {
  nextOffset = 0;
  readonly log: LoggedProducerBatch[] = [];
  constructor(readonly state: ProducerStateManager) {}

  produce(b: ProducerBatch): CheckResult & { baseOffset?: number } {
    const result = this.state.check(b);
    if (result.kind !== 'append') return result;
    const baseOffset = this.nextOffset;
    this.nextOffset += b.lastOffsetDelta + 1;
    this.state.onAppended(b, baseOffset, 5_000);
    this.log.push({ ...b, baseOffset, timestampMs: 5_000 });
    return { ...result, baseOffset };
  }
}

describe('ProducerStateManager', () => {
  it('appends in-order batches and answers retries with the original offsets, also for one of the last 5 that is not the latest', () => {
    const leader = new Leader(manager());
    for (let i = 0; i < 7; i++) expect(leader.produce(batch(1, 0, i * 10, 10)).kind).toBe('append');
    // The latest batch retried.
    expect(leader.produce(batch(1, 0, 60, 10))).toEqual({ kind: 'duplicate', firstOffset: 60, lastOffset: 69 });
    // An older batch still among the last five (seq 30..39 → offsets 30..39).
    expect(leader.produce(batch(1, 0, 30, 10))).toEqual({ kind: 'duplicate', firstOffset: 30, lastOffset: 39 });
    // Older than the last five: no longer recognisable, so it is out of order.
    expect(errorCode(leader.produce(batch(1, 0, 10, 10)))).toBe(ErrorCode.OUT_OF_ORDER_SEQUENCE_NUMBER);
    // A retry with a different range is not a duplicate.
    expect(errorCode(leader.produce(batch(1, 0, 60, 5)))).toBe(ErrorCode.OUT_OF_ORDER_SEQUENCE_NUMBER);
    expect(leader.nextOffset).toBe(70);
    expect(leader.state.entry(1)?.batches).toHaveLength(5);
  });

  it('rejects a sequence gap with OUT_OF_ORDER_SEQUENCE_NUMBER (45)', () => {
    const leader = new Leader(manager());
    leader.produce(batch(1, 0, 0, 5));
    expect(errorCode(leader.produce(batch(1, 0, 6)))).toBe(ErrorCode.OUT_OF_ORDER_SEQUENCE_NUMBER);
    expect(leader.produce(batch(1, 0, 5)).kind).toBe('append');
  });

  it('fences a stale epoch with INVALID_PRODUCER_EPOCH (47); an epoch bump restarts the sequence at 0', () => {
    const leader = new Leader(manager());
    leader.produce(batch(1, 3, 0, 5));
    expect(errorCode(leader.produce(batch(1, 2, 5)))).toBe(ErrorCode.INVALID_PRODUCER_EPOCH);
    // A newer epoch must start at 0.
    expect(errorCode(leader.produce(batch(1, 4, 5)))).toBe(ErrorCode.OUT_OF_ORDER_SEQUENCE_NUMBER);
    expect(leader.produce(batch(1, 4, 0, 2)).kind).toBe('append');
    expect(leader.state.entry(1)?.producerEpoch).toBe(4);
    expect(leader.state.entry(1)?.batches).toHaveLength(1);
    // The old epoch is now stale, even for what was its latest batch.
    expect(errorCode(leader.produce(batch(1, 3, 0, 5)))).toBe(ErrorCode.INVALID_PRODUCER_EPOCH);
    expect(leader.produce(batch(1, 4, 2)).kind).toBe('append');
  });

  it('accepts an unknown producer at any sequence (Kafka 2.5+), or refuses it with UNKNOWN_PRODUCER_ID in strict mode', () => {
    expect(manager().check(batch(9, 0, 17)).kind).toBe('append');
    expect(errorCode(manager({ strictUnknownProducer: true }).check(batch(9, 0, 17)))).toBe(ErrorCode.UNKNOWN_PRODUCER_ID);
    expect(manager({ strictUnknownProducer: true }).check(batch(9, 0, 0)).kind).toBe('append');
    // Non-idempotent batches are never checked.
    expect(manager().check(batch(-1, -1, -1)).kind).toBe('append');
  });

  it('wraps the sequence from Int32 MAX to 0', () => {
    const leader = new Leader(manager());
    leader.produce(batch(1, 0, INT32_MAX - 4, 3)); // ..MAX-2
    expect(leader.produce(batch(1, 0, INT32_MAX - 1, 4)).kind).toBe('append'); // MAX-1, MAX, 0, 1
    expect(leader.state.entry(1)?.batches.at(-1)?.lastSeq).toBe(1);
    expect(leader.produce(batch(1, 0, INT32_MAX - 1, 4))).toMatchObject({ kind: 'duplicate', firstOffset: 3, lastOffset: 6 });
    expect(errorCode(leader.produce(batch(1, 0, 0)))).toBe(ErrorCode.OUT_OF_ORDER_SEQUENCE_NUMBER);
    expect(leader.produce(batch(1, 0, 2)).kind).toBe('append');
    const wrapped = new Leader(manager());
    wrapped.produce(batch(2, 0, INT32_MAX - 1, 2)); // ends exactly at MAX
    expect(wrapped.produce(batch(2, 0, 0)).kind).toBe('append');
  });

  it('rebuildFrom the log gives the same decisions as the leader that wrote it (seeded property)', () => {
    console.log(`fast-check seed ${SEED}`);
    const op = fc.record({
      producerId: fc.integer({ min: 1, max: 3 }),
      epochBump: fc.boolean(),
      seqSkew: fc.integer({ min: -12, max: 2 }),
      records: fc.integer({ min: 1, max: 4 }),
    });
    fc.assert(
      fc.property(fc.array(op, { maxLength: 60 }), fc.array(op, { maxLength: 20 }), (ops, probes) => {
        const leader = new Leader(manager());
        const next = new Map<number, { epoch: number; seq: number }>();
        const toBatch = (o: Op): ProducerBatch => {
          const s = next.get(o.producerId) ?? { epoch: 0, seq: 0 };
          if (o.epochBump && s.seq > 0) {
            s.epoch++;
            s.seq = 0;
          }
          next.set(o.producerId, s);
          return batch(o.producerId, s.epoch, Math.max(0, s.seq + (o.seqSkew > 0 ? o.seqSkew : o.seqSkew < -8 ? o.seqSkew : 0)), o.records);
        };
        for (const o of ops) {
          const b = toBatch(o);
          const r = leader.produce(b);
          const s = next.get(o.producerId);
          if (r.kind === 'append' && s !== undefined) s.seq = b.baseSequence + o.records;
        }
        // A new leader replays the log, another restores a snapshot and replays the tail.
        const follower = manager();
        follower.rebuildFrom(leader.log);
        const half = Math.floor(leader.log.length / 2);
        const early = manager();
        early.rebuildFrom(leader.log.slice(0, half));
        const fromSnapshot = manager();
        fromSnapshot.rebuildFrom(leader.log, early.snapshot());
        for (const p of probes) {
          const b = toBatch(p);
          const expected = leader.state.check(b);
          expect(follower.check(b)).toEqual(expected);
          expect(fromSnapshot.check(b)).toEqual(expected);
        }
        // Every logged batch retried is a duplicate with its original offsets (if still remembered).
        for (const logged of leader.log) {
          const r = follower.check(logged);
          if (r.kind === 'duplicate') expect(r.firstOffset).toBe(logged.baseOffset);
        }
        expect(follower.snapshot().equals(leader.state.snapshot())).toBe(true);
      }),
      { seed: SEED, numRuns: 200 },
    );
  });

  it('snapshots round-trip and refuse damaged bytes', () => {
    const leader = new Leader(manager());
    leader.produce(batch(1, 0, 0, 3));
    leader.produce(batch(2, 7, 0, 1));
    const bytes = leader.state.snapshot();
    const restored = manager();
    restored.restore(bytes);
    expect(restored.lastOffset).toBe(3);
    expect(restored.check(batch(1, 0, 0, 3))).toEqual({ kind: 'duplicate', firstOffset: 0, lastOffset: 2 });
    expect(restored.entry(2)?.producerEpoch).toBe(7);
    const damaged = Buffer.from(bytes);
    damaged[12] = (damaged[12] ?? 0) ^ 1;
    expect(() => restored.restore(damaged)).toThrow(CorruptProducerSnapshotError);
    expect(() => restored.restore(bytes.subarray(0, 10))).toThrow(CorruptProducerSnapshotError);
    // The failed restore left the good state in place.
    expect(restored.entry(2)?.producerEpoch).toBe(7);
  });

  it('expires producers after producer.id.expiration.ms and bounds how many it tracks', () => {
    const clock = new ManualClock();
    const state = manager({ producerIdExpirationMs: 60_000, maxProducerIds: 3 }, clock);
    let offset = 0;
    const append = (pid: number) => state.onAppended(batch(pid, 0, 0), offset++);
    append(1);
    clock.nowMs += 30_000;
    append(2);
    clock.nowMs += 30_000;
    expect(state.expire()).toBe(1); // producer 1 idle for 60 s
    expect(state.entry(1)).toBeUndefined();
    expect(state.entry(2)).toBeDefined();
    append(3);
    append(4);
    // Full (2, 3, 4): a fifth producer evicts the least recently active one (2).
    append(5);
    expect(state.size).toBe(3);
    expect(state.entry(2)).toBeUndefined();
    expect([3, 4, 5].every((pid) => state.entry(pid) !== undefined)).toBe(true);
    // Activity refreshes a producer's place: 3 appends again, so 4 is evicted next.
    state.onAppended(batch(3, 0, 1), offset++);
    append(6);
    expect(state.entry(4)).toBeUndefined();
    expect(state.entry(3)).toBeDefined();
  });
});
