import fc from 'fast-check';
import type { DecideContext, MetaCommand } from '../../src/state/commands.js';
import { decide } from '../../src/state/decide.js';
import type { BrokerRegistered, MetaEvent, PartitionAssignment } from '../../src/state/events.js';
import { applyCommitted } from '../../src/state/evolve.js';
import { emptyImage, type MetadataImage } from '../../src/state/image.js';
import { KafkaError } from '../../src/util/errors.js';

/** One seed per test file run, printed so that a failing property can be replayed (FC_SEED=…). */
export function fcParams(numRuns: number): { seed: number; numRuns: number } {
  const fromEnv = process.env['FC_SEED'];
  const seed = fromEnv === undefined ? (Date.now() ^ (process.pid << 8)) | 0 : Number(fromEnv);
  console.info(`fast-check seed ${seed} (replay with FC_SEED=${seed})`);
  return { seed, numRuns };
}

/** Deterministic topic ids: uuid-shaped, counting up. */
export function counterCtx(options: { liveBrokers?: ReadonlySet<number> } = {}): DecideContext {
  let n = 0;
  const newTopicId = (): string => {
    n++;
    return `00000000-0000-4000-8000-${n.toString(16).padStart(12, '0')}`;
  };
  return options.liveBrokers === undefined ? { newTopicId } : { newTopicId, liveBrokers: options.liveBrokers };
}

/** Applies events as consecutive committed `__meta` entries after the image's index. */
export function applyAll(image: MetadataImage, events: readonly MetaEvent[], term = 1): MetadataImage {
  let img = image;
  for (const e of events) img = applyCommitted(img, e, img.appliedIndex + 1, Math.max(term, img.appliedTerm));
  return img;
}

export function registerEvent(brokerId: number, rack: string | null = null): BrokerRegistered {
  return {
    type: 'BrokerRegistered',
    v: 1,
    brokerId,
    kafkaHost: `host${brokerId}`,
    kafkaPort: 9092 + brokerId,
    raftHost: `host${brokerId}`,
    raftPort: 7000 + brokerId,
    rack,
    incarnation: `inc-${brokerId}`,
  };
}

export function imageWithBrokers(ids: readonly number[], racks?: readonly (string | null)[]): MetadataImage {
  return applyAll(emptyImage(), ids.map((id, i) => registerEvent(id, racks?.[i] ?? null)));
}

/** decide, asserting success, then apply the events: the leader's path in one step. */
export function run(image: MetadataImage, cmd: MetaCommand, ctx: DecideContext): { image: MetadataImage; events: readonly MetaEvent[] } {
  const d = decide(cmd, image, ctx);
  if (d instanceof KafkaError) throw d;
  const failed = d.results.find((r) => r.error !== null);
  if (failed !== undefined) throw failed.error ?? new Error('unreachable');
  return { image: applyAll(image, d.events), events: d.events };
}

// ---- arbitraries over a small universe, so random events hit each other's topics ----

export const TOPIC_IDS = [1, 2, 3, 4, 5].map((n) => `00000000-0000-4000-8000-00000000000${n}`);
export const TOPIC_NAMES = ['orders', 'payments', 'a.b', 'a_b', 'logs'];

const brokerIdArb = fc.integer({ min: 0, max: 4 });
const topicIdArb = fc.constantFrom(...TOPIC_IDS);
const partitionArb = fc.integer({ min: 0, max: 4 });
const epochArb = fc.integer({ min: -1, max: 6 });

/** Mostly valid replica lists; now and then an empty or duplicated one, which evolve must ignore. */
const replicasArb = fc.oneof(
  { weight: 9, arbitrary: fc.uniqueArray(brokerIdArb, { minLength: 1, maxLength: 3 }) },
  { weight: 1, arbitrary: fc.array(brokerIdArb, { maxLength: 3 }) },
);

function assignmentsArb(): fc.Arbitrary<PartitionAssignment[]> {
  return fc
    .array(replicasArb, { minLength: 0, maxLength: 4 })
    .map((rs) => rs.map((replicas, partition) => ({ partition, replicas })));
}

const configArb = fc.dictionary(fc.constantFrom('retention.ms', 'cleanup.policy', 'segment.bytes'), fc.string({ maxLength: 5 }), { maxKeys: 3 });
const deletedArb = fc.uniqueArray(fc.constantFrom('retention.ms', 'cleanup.policy', 'segment.bytes'), { maxLength: 2 });

export const metaEventArb: fc.Arbitrary<MetaEvent> = fc.oneof(
  fc.record({ type: fc.constant('ClusterInitialized' as const), v: fc.constant(1 as const), clusterId: fc.constantFrom('c1', 'c2') }),
  fc.record({ type: fc.constant('BrokerUnregistered' as const), v: fc.constant(1 as const), brokerId: brokerIdArb }),
  fc.record({
    type: fc.constant('BrokerRegistered' as const), v: fc.constant(1 as const), brokerId: brokerIdArb,
    kafkaHost: fc.constantFrom('h1', 'h2'), kafkaPort: fc.integer({ min: 1, max: 65535 }),
    raftHost: fc.constantFrom('h1', 'h2'), raftPort: fc.integer({ min: 1, max: 65535 }),
    rack: fc.option(fc.constantFrom('r1', 'r2')), incarnation: fc.constantFrom('x', 'y'),
  }),
  fc.record({
    type: fc.constant('TopicCreated' as const), v: fc.constant(1 as const), topicId: topicIdArb,
    name: fc.constantFrom(...TOPIC_NAMES), internal: fc.boolean(), partitions: assignmentsArb(), configs: configArb,
  }),
  fc.record({
    type: fc.constant('PartitionsAdded' as const), v: fc.constant(1 as const), topicId: topicIdArb,
    partitions: fc.tuple(fc.integer({ min: 0, max: 4 }), assignmentsArb()).map(([first, ps]) =>
      ps.map((p, i) => ({ partition: first + i, replicas: p.replicas }))),
  }),
  fc.record({ type: fc.constant('TopicDeleted' as const), v: fc.constant(1 as const), topicId: topicIdArb }),
  fc.record({ type: fc.constant('TopicConfigChanged' as const), v: fc.constant(1 as const), topicId: topicIdArb, set: configArb, deleted: deletedArb }),
  fc.record({ type: fc.constant('BrokerConfigChanged' as const), v: fc.constant(1 as const), brokerId: fc.option(brokerIdArb), set: configArb, deleted: deletedArb }),
  fc.record({
    type: fc.constant('LeaderElected' as const), v: fc.constant(1 as const), topicId: topicIdArb,
    partition: partitionArb, leaderId: fc.integer({ min: -1, max: 4 }), leaderEpoch: epochArb,
  }),
  fc.record({
    type: fc.constant('LeaderTransferred' as const), v: fc.constant(1 as const), topicId: topicIdArb,
    partition: partitionArb, fromLeaderId: fc.integer({ min: -1, max: 4 }), fromEpoch: epochArb, toLeaderId: fc.integer({ min: -1, max: 4 }),
  }),
  fc.record({
    type: fc.constant('IsrChanged' as const), v: fc.constant(1 as const), topicId: topicIdArb,
    partition: partitionArb, isr: fc.uniqueArray(brokerIdArb, { maxLength: 3 }), leaderEpoch: epochArb,
  }),
  fc.record({
    type: fc.constant('ProducerIdBlockAllocated' as const), v: fc.constant(1 as const), brokerId: brokerIdArb,
    firstProducerId: fc.integer({ min: 0, max: 5000 }), size: fc.integer({ min: 0, max: 1000 }),
  }),
);

/** Random sequences over the small universe above: about one event in eleven creates a topic. */
export const eventSequenceArb: fc.Arbitrary<MetaEvent[]> = fc.array(metaEventArb, { maxLength: 60 });
