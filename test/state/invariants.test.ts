import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { MetaCommand } from '../../src/state/commands.js';
import { decide } from '../../src/state/decide.js';
import { applyCommitted, evolve } from '../../src/state/evolve.js';
import { MetaDecodeError } from '../../src/state/errors.js';
import { decodeImage, digest, encodeImage } from '../../src/state/image-codec.js';
import { emptyImage, topicByName, type MetadataImage } from '../../src/state/image.js';
import { imageInvariantViolations } from '../../src/state/invariants.js';
import { KafkaError } from '../../src/util/errors.js';
import { applyAll, counterCtx, eventSequenceArb, fcParams, imageWithBrokers, TOPIC_NAMES } from './helpers.js';

const nameArb = fc.constantFrom(...TOPIC_NAMES, 'bad name', 'x');
const commandArb: fc.Arbitrary<MetaCommand> = fc.oneof(
  fc.record({
    type: fc.constant('CreateTopics' as const),
    validateOnly: fc.boolean(),
    topics: fc.array(fc.record({ name: nameArb, numPartitions: fc.integer({ min: -1, max: 5 }), replicationFactor: fc.integer({ min: -1, max: 4 }) }), { maxLength: 3 }),
  }),
  fc.record({ type: fc.constant('DeleteTopics' as const), topics: fc.array(nameArb.map((name) => ({ name })), { maxLength: 2 }) }),
  fc.record({
    type: fc.constant('CreatePartitions' as const),
    validateOnly: fc.boolean(),
    topics: fc.array(fc.record({ name: nameArb, count: fc.integer({ min: 0, max: 8 }), assignments: fc.constant(null) }), { maxLength: 2 }),
  }),
  fc.record({
    type: fc.constant('AlterTopicConfigs' as const),
    topicName: nameArb,
    validateOnly: fc.boolean(),
    change: fc.record({
      mode: fc.constant('incremental' as const),
      ops: fc.array(fc.record({ name: fc.constantFrom('retention.ms', 'cleanup.policy', 'nope'), op: fc.constantFrom('set' as const, 'delete' as const, 'append' as const), value: fc.constantFrom('1', 'compact', 'x', null) }), { maxLength: 2 }),
    }),
  }),
  fc.record({ type: fc.constant('AllocateProducerIds' as const), brokerId: fc.integer({ min: 0, max: 4 }) }),
  fc.record({ type: fc.constant('UnregisterBroker' as const), brokerId: fc.integer({ min: 1, max: 4 }) }),
  fc.record({
    type: fc.constant('AlterBrokerConfigs' as const),
    brokerId: fc.option(fc.integer({ min: 1, max: 4 })),
    validateOnly: fc.boolean(),
    ops: fc.array(fc.record({ name: fc.constantFrom('num.partitions', 'log.retention.ms', 'nope'), op: fc.constantFrom('set' as const, 'delete' as const), value: fc.constantFrom('1', '2', 'x', null) }), { maxLength: 2 }),
  }),
);

describe('image invariants', () => {
  it('hold after any sequence of committed events (including malformed ones evolve must ignore)', () => {
    fc.assert(
      fc.property(eventSequenceArb, (events) => {
        let img = emptyImage();
        for (const e of events) {
          img = applyCommitted(img, e, img.appliedIndex + 1, 1);
          expect(imageInvariantViolations(img)).toEqual([]);
        }
      }),
      fcParams(300),
    );
  });

  it('decide → evolve: every event decide emits applies (changes the image) and keeps the invariants', () => {
    fc.assert(
      fc.property(fc.array(commandArb, { maxLength: 25 }), (commands) => {
        let img: MetadataImage = imageWithBrokers([1, 2, 3]);
        const ctx = counterCtx();
        for (const cmd of commands) {
          const d = decide(cmd, img, ctx);
          if (d instanceof KafkaError) continue;
          for (const e of d.events) {
            const next = evolve(img, e);
            expect(digest(next)).not.toBe(digest(img));
            img = applyCommitted(img, e, img.appliedIndex + 1, 1);
          }
          for (const r of d.results) {
            if (r.error === null && cmd.type === 'CreateTopics' && !cmd.validateOnly) expect(topicByName(img, r.name)?.topicId).toBe(r.topicId);
            if (r.error === null && cmd.type === 'DeleteTopics') expect(topicByName(img, r.name)).toBeUndefined();
          }
          expect(imageInvariantViolations(img)).toEqual([]);
        }
      }),
      fcParams(300),
    );
  });

  it('a snapshot that breaks the invariants is refused', () => {
    const img = applyAll(imageWithBrokers([1]), [{ type: 'TopicCreated', v: 1, topicId: '00000000-0000-4000-8000-0000000000aa', name: 'a', internal: false, partitions: [{ partition: 0, replicas: [1] }], configs: {} }]);
    const json = JSON.parse(new TextDecoder().decode(encodeImage(img).subarray(1))) as { topics: unknown[][] };
    json.topics = [['00000000-0000-4000-8000-0000000000aa', 'a', false, [], [[[1], [2], 1, 1, 1]]]];
    const bytes = Uint8Array.of(1, ...new TextEncoder().encode(JSON.stringify(json)));
    expect(() => decodeImage(bytes)).toThrow(MetaDecodeError);
    expect(() => decodeImage(bytes)).toThrow(/ISR member that is not a replica/);
  });
});
