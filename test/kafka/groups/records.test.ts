import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { CorruptGroupRecordError } from '../../../src/kafka/groups/bytes.js';
import { groupPartitionFor, javaStringHashCode } from '../../../src/kafka/groups/partition.js';
import type { GroupRecord } from '../../../src/kafka/groups/records.js';
import { decodeGroupRecord, encodeGroupRecord, groupRecordKey } from '../../../src/kafka/groups/records.js';
import { subscribedTopics } from '../../../src/kafka/groups/consumer-subscription.js';
import kafkajs from 'kafkajs';
import { subscription } from './harness.js';

const SEED = 20261127;

const text = fc.string({ maxLength: 20, unit: 'grapheme' });
const int32 = fc.integer({ min: -2147483648, max: 2147483647 });
const int64 = fc.integer({ min: Number.MIN_SAFE_INTEGER, max: Number.MAX_SAFE_INTEGER });
const bytes = fc.uint8Array({ maxLength: 40 });

const recordArb: fc.Arbitrary<GroupRecord> = fc.oneof(
  fc.record({ kind: fc.constant('offset' as const), groupId: text, topic: text, partition: int32, offset: int64, leaderEpoch: int32, metadata: text, commitTimestampMs: int64 }),
  fc.record({ kind: fc.constant('offset-tombstone' as const), groupId: text, topic: text, partition: int32 }),
  fc.record({ kind: fc.constant('group-tombstone' as const), groupId: text }),
  fc.record({
    kind: fc.constant('group' as const),
    groupId: text,
    protocolType: fc.option(text),
    generationId: int32,
    protocolName: fc.option(text),
    leaderId: fc.option(text),
    stateTimestampMs: int64,
    members: fc.array(
      fc.record({ memberId: text, groupInstanceId: fc.option(text), clientId: text, clientHost: text, rebalanceTimeoutMs: int32, sessionTimeoutMs: int32, subscription: bytes, assignment: bytes }),
      { maxLength: 4 },
    ),
  }),
);

describe('group records', () => {
  it('round-trip through the versioned encoding (seeded property)', () => {
    console.log(`fast-check seed ${SEED}`);
    fc.assert(
      fc.property(recordArb, (record) => {
        const decoded = decodeGroupRecord(encodeGroupRecord(record));
        expect(decoded).toEqual(record);
        expect(groupRecordKey(decoded)).toBe(groupRecordKey(record));
      }),
      { seed: SEED, numRuns: 300 },
    );
  });

  it('rejects damaged bytes with CorruptGroupRecordError, never a crash (seeded property)', () => {
    fc.assert(
      fc.property(recordArb, fc.nat(), fc.integer({ min: 1, max: 255 }), (record, at, flip) => {
        const good = encodeGroupRecord(record);
        const truncated = good.subarray(0, at % good.length);
        expect(() => decodeGroupRecord(truncated)).toThrow(CorruptGroupRecordError);
        const damaged = Buffer.from(good);
        const i = at % damaged.length;
        damaged[i] = (damaged[i] ?? 0) ^ flip;
        try {
          decodeGroupRecord(damaged);
        } catch (error) {
          expect(error).toBeInstanceOf(CorruptGroupRecordError);
        }
      }),
      { seed: SEED, numRuns: 300 },
    );
    const wrongVersion = encodeGroupRecord({ kind: 'group-tombstone', groupId: 'g' });
    wrongVersion[0] = 9;
    expect(() => decodeGroupRecord(wrongVersion)).toThrow(/version 9/);
  });

  it('tombstones share the compaction key of what they delete', () => {
    expect(groupRecordKey({ kind: 'offset-tombstone', groupId: 'g', topic: 't', partition: 1 })).toBe(
      groupRecordKey({ kind: 'offset', groupId: 'g', topic: 't', partition: 1, offset: 0, leaderEpoch: -1, metadata: '', commitTimestampMs: 0 }),
    );
    expect(groupRecordKey({ kind: 'group-tombstone', groupId: 'g' })).not.toBe(groupRecordKey({ kind: 'group-tombstone', groupId: 'h' }));
  });
});

describe('group placement', () => {
  it('hashes like Java String.hashCode and places groups like Kafka (values computed independently)', () => {
    const cases: [string, number, number][] = [
      ['', 0, 0],
      ['hello', 99162322, 22],
      ['my-group', -1906497762, 12],
      ['console-consumer-12345', 158455506, 6],
      // hashCode is Integer.MIN_VALUE: Kafka's Utils.abs maps it to 0.
      ['polygenelubricants', -2147483648, 0],
      // Non-BMP characters hash as two UTF-16 code units.
      ['grüppe-😀', -1039948164, 14],
    ];
    for (const [groupId, hash, partition] of cases) {
      expect(javaStringHashCode(groupId)).toBe(hash);
      expect(groupPartitionFor(groupId, 50)).toBe(partition);
    }
  });
});

describe('consumer subscription parsing', () => {
  it('reads the topics of a consumer protocol subscription and refuses garbage', () => {
    expect(subscribedTopics(subscription(['a', 'bb'], 'user'))).toEqual(['a', 'bb']);
    expect(subscribedTopics(new Uint8Array([0, 1, 0]))).toBeNull();
    expect(subscribedTopics(new Uint8Array([0, 1, 0, 0, 0, 9, 0, 1]))).toBeNull();
  });

  it('reads subscriptions exactly as a real client (kafkajs) encodes them', () => {
    const { AssignerProtocol } = kafkajs;
    const encoded = AssignerProtocol.MemberMetadata.encode({ version: 1, topics: ['orders', 'payments'], userData: Buffer.from('sticky-state') });
    expect(subscribedTopics(encoded)).toEqual(['orders', 'payments']);
    const empty = AssignerProtocol.MemberMetadata.encode({ version: 0, topics: [], userData: Buffer.alloc(0) });
    expect(subscribedTopics(empty)).toEqual([]);
  });
});
