import { describe, expect, it } from 'vitest';
import type { CreatableTopic, DecideContext, Decision, MetaCommand } from '../../src/state/commands.js';
import { decide } from '../../src/state/decide.js';
import { decideCreateTopics } from '../../src/state/decide-create-topics.js';
import { topicByName, type MetadataImage } from '../../src/state/image.js';
import { ErrorCode, KafkaError } from '../../src/util/errors.js';
import { applyAll, counterCtx, imageWithBrokers, run } from './helpers.js';

function create(image: MetadataImage, topics: CreatableTopic[], ctx: DecideContext = counterCtx(), validateOnly = false) {
  return decideCreateTopics({ type: 'CreateTopics', topics, validateOnly }, image, ctx);
}

function codes(d: Decision | KafkaError): number[] {
  if (d instanceof KafkaError) throw d;
  return d.results.map((r) => r.error?.code ?? ErrorCode.NONE);
}

function errorCode(d: Decision | KafkaError): number {
  return d instanceof KafkaError ? d.code : ErrorCode.NONE;
}

const topic = (name: string, extra: Partial<CreatableTopic> = {}): CreatableTopic => ({ name, numPartitions: 1, replicationFactor: 1, ...extra });

describe('decide CreateTopics', () => {
  const brokers = imageWithBrokers([1, 2, 3]);

  it('validates topic names like Kafka (INVALID_TOPIC_EXCEPTION)', () => {
    const bad = ['', '.', '..', 'a'.repeat(250), 'has space', 'slash/no', 'ünï'];
    expect(codes(create(brokers, bad.map((n) => topic(n))))).toEqual(bad.map(() => ErrorCode.INVALID_TOPIC_EXCEPTION));
    expect(codes(create(brokers, [topic('a'.repeat(249)), topic('A-z_0.9')]))).toEqual([0, 0]);
  });

  it('refuses existing names, names colliding on . and _, and duplicates in one request', () => {
    const { image } = run(brokers, { type: 'CreateTopics', validateOnly: false, topics: [topic('orders'), topic('a.b')] }, counterCtx());
    expect(codes(create(image, [topic('orders'), topic('a_b'), topic('x'), topic('x'), topic('c.d'), topic('c_d')]))).toEqual([
      ErrorCode.TOPIC_ALREADY_EXISTS,
      ErrorCode.INVALID_TOPIC_EXCEPTION,
      ErrorCode.INVALID_REQUEST,
      ErrorCode.INVALID_REQUEST,
      ErrorCode.NONE,
      ErrorCode.INVALID_TOPIC_EXCEPTION,
    ]);
  });

  it('frees a name\'s collision key when the colliding topic is deleted', () => {
    const ctx = counterCtx();
    const { image } = run(brokers, { type: 'CreateTopics', validateOnly: false, topics: [topic('a.b')] }, ctx);
    expect(codes(create(image, [topic('a_b')], ctx))).toEqual([ErrorCode.INVALID_TOPIC_EXCEPTION]);
    const gone = run(image, { type: 'DeleteTopics', topics: [{ name: 'a.b' }] }, ctx).image;
    expect(codes(create(gone, [topic('a_b')], ctx))).toEqual([ErrorCode.NONE]);
  });

  it('checks partition counts and replication factors', () => {
    expect(codes(create(brokers, [
      topic('p0', { numPartitions: 0 }),
      topic('pneg', { numPartitions: -2 }),
      topic('phuge', { numPartitions: 10_001 }),
      topic('r0', { replicationFactor: 0 }),
      topic('r4', { replicationFactor: 4 }),
      topic('ok', { numPartitions: 10_000, replicationFactor: 3 }),
      topic('pfrac', { numPartitions: 1.5 }),
      topic('rfrac', { replicationFactor: 1.5 }),
    ]))).toEqual([37, 37, 37, 38, 38, 0, 37, 38]);
    // With a broker down, a fully replicated topic is still placed on every registered broker (Raft
    // serves it with a majority), and each partition's preferred leader is a live broker.
    const degraded = create(brokers, [topic('r3', { numPartitions: 6, replicationFactor: 3 })], counterCtx({ liveBrokers: new Set([1, 2]) }));
    expect(codes(degraded)).toEqual([ErrorCode.NONE]);
    const created = degraded.events.find((e) => e.type === 'TopicCreated');
    expect(created?.type === 'TopicCreated' && created.partitions.every((p) => p.replicas.length === 3 && [1, 2].includes(p.replicas[0] as number))).toBe(true);
    const tooFew = create(brokers, [topic('r4', { replicationFactor: 4 })], counterCtx({ liveBrokers: new Set([1, 2]) }));
    expect(codes(tooFew)).toEqual([ErrorCode.INVALID_REPLICATION_FACTOR]);
  });

  it('defaults: num.partitions = 1, default.replication.factor = min(3, live brokers), cluster overrides', () => {
    const d = create(imageWithBrokers([1, 2, 3, 4]), [topic('d', { numPartitions: -1, replicationFactor: -1 })]);
    expect(d.results[0]).toMatchObject({ numPartitions: 1, replicationFactor: 3, error: null });
    const two = create(imageWithBrokers([1, 2]), [topic('d', { numPartitions: -1, replicationFactor: -1 })]);
    expect(two.results[0]).toMatchObject({ replicationFactor: 2 });
    const none = create(imageWithBrokers([]), [topic('d', { numPartitions: -1, replicationFactor: -1 })]);
    expect(codes(none)).toEqual([ErrorCode.INVALID_REPLICATION_FACTOR]);
    const tuned = applyAll(brokers, [{ type: 'BrokerConfigChanged', v: 1, brokerId: null, set: { 'num.partitions': '6', 'default.replication.factor': '2' }, deleted: [] }]);
    expect(create(tuned, [topic('d', { numPartitions: -1, replicationFactor: -1 })]).results[0]).toMatchObject({ numPartitions: 6, replicationFactor: 2 });
  });

  it('validates configs (INVALID_CONFIG) and keeps only explicit ones', () => {
    const bad: Record<string, string | null>[] = [
      { 'retention.ms': 'soon' }, { 'retention.ms': '-2' }, { 'segment.bytes': '13' }, { 'cleanup.policy': 'forever' },
      { 'message.timestamp.type': 'Now' }, { 'min.insync.replicas': '0' }, { 'max.message.bytes': '-1' }, { 'no.such': '1' },
      { 'retention.ms': null },
    ];
    expect(codes(create(brokers, bad.map((configs, i) => topic(`t${i}`, { configs }))))).toEqual(bad.map(() => ErrorCode.INVALID_CONFIG));
    const ok = { 'retention.ms': '-1', 'cleanup.policy': 'compact,delete', 'message.timestamp.type': 'LogAppendTime', 'max.message.bytes': '0' };
    const d = create(brokers, [topic('good', { configs: ok })]);
    expect(d.results[0]?.error).toBeNull();
    expect(d.events[0]).toMatchObject({ type: 'TopicCreated', configs: ok, internal: false });
  });

  it('accepts a valid manual assignment and refuses broken ones (INVALID_REPLICA_ASSIGNMENT)', () => {
    const manual = (assignments: { partition: number; replicas: number[] }[], n = -1, rf = -1): CreatableTopic =>
      ({ name: 'm', numPartitions: n, replicationFactor: rf, assignments });
    const good = create(brokers, [manual([{ partition: 1, replicas: [3, 1] }, { partition: 0, replicas: [2, 3] }])]);
    expect(good.events[0]).toMatchObject({ partitions: [{ partition: 0, replicas: [2, 3] }, { partition: 1, replicas: [3, 1] }] });
    const cases = [
      manual([{ partition: 0, replicas: [1] }], 1, -1),
      manual([{ partition: 1, replicas: [1] }]),
      manual([{ partition: 0, replicas: [1] }, { partition: 0, replicas: [2] }]),
      manual([{ partition: 0, replicas: [] }]),
      manual([{ partition: 0, replicas: [1, 1] }]),
      manual([{ partition: 0, replicas: [9] }]),
      manual([{ partition: 0, replicas: [1, 2] }, { partition: 1, replicas: [1] }]),
    ];
    expect(cases.map((c) => codes(create(brokers, [c]))[0])).toEqual([42, 39, 39, 39, 39, 39, 39]);
  });

  it('validateOnly reports results but emits no events; internal topics are flagged', () => {
    const d = create(brokers, [topic('v')], counterCtx(), true);
    expect(d.events).toEqual([]);
    expect(d.results[0]).toMatchObject({ name: 'v', error: null, numPartitions: 1 });
    const internal = create(brokers, [topic('__consumer_offsets', { numPartitions: 50, replicationFactor: 3, internal: true })]);
    expect(internal.events[0]).toMatchObject({ internal: true, name: '__consumer_offsets' });
  });

  it('draws topic ids from the context, skipping ids already in use', () => {
    const ids = ['00000000-0000-0000-0000-000000000000', 'aaaaaaaa-0000-4000-8000-000000000001', 'aaaaaaaa-0000-4000-8000-000000000001', 'bbbbbbbb-0000-4000-8000-000000000002'];
    const ctx: DecideContext = { newTopicId: () => ids.shift() ?? 'exhausted' };
    const d = create(brokers, [topic('x'), topic('y')], ctx);
    expect(d.results.map((r) => r.topicId)).toEqual(['aaaaaaaa-0000-4000-8000-000000000001', 'bbbbbbbb-0000-4000-8000-000000000002']);
    const stuck = create(brokers, [topic('z')], { newTopicId: () => '00000000-0000-0000-0000-000000000000' });
    expect(codes(stuck)).toEqual([ErrorCode.UNKNOWN_SERVER_ERROR]);
  });
});

describe('decide other commands', () => {
  const ctx = counterCtx();
  const base = run(imageWithBrokers([1, 2, 3]), {
    type: 'CreateTopics', validateOnly: false,
    topics: [topic('orders', { numPartitions: 2, replicationFactor: 2 }), topic('__consumer_offsets', { internal: true })],
  }, ctx).image;
  const ordersId = topicByName(base, 'orders')?.topicId ?? '';

  it('DeleteTopics by name or id; unknown → 3 / 100; internal and duplicates refused', () => {
    const cmd: MetaCommand = { type: 'DeleteTopics', topics: [{ name: 'orders' }, { topicId: ordersId }, { name: 'nope' }, { topicId: 'nope' }, { name: '__consumer_offsets' }, { name: 'x' }, { name: 'x' }] };
    const d = decide(cmd, base, ctx);
    expect(codes(d)).toEqual([0, 0, 3, 100, 42, 42, 42]);
    expect(d instanceof KafkaError ? [] : d.events).toEqual([{ type: 'TopicDeleted', v: 1, topicId: ordersId }]);
  });

  it('CreatePartitions grows a topic keeping its replication factor; refuses shrinking and bad assignments', () => {
    const grow = (count: number, assignments: number[][] | null = null): MetaCommand =>
      ({ type: 'CreatePartitions', validateOnly: false, topics: [{ name: 'orders', count, assignments }] });
    const d = decide(grow(4), base, ctx);
    expect(codes(d)).toEqual([0]);
    const grown = topicByName(applyAll(base, d instanceof KafkaError ? [] : d.events), 'orders');
    expect(grown?.partitions.map((p) => p.replicas.length)).toEqual([2, 2, 2, 2]);
    expect(codes(decide(grow(2), base, ctx))).toEqual([37]);
    expect(codes(decide(grow(1), base, ctx))).toEqual([37]);
    expect(codes(decide(grow(10_001), base, ctx))).toEqual([37]);
    expect(codes(decide(grow(3, [[1, 2], [2, 3]]), base, ctx))).toEqual([39]);
    expect(codes(decide(grow(3, [[1]]), base, ctx))).toEqual([39]);
    expect(codes(decide(grow(3, [[1, 9]]), base, ctx))).toEqual([39]);
    expect(codes(decide(grow(3, [[3, 1]]), base, ctx))).toEqual([0]);
    expect(codes(decide({ type: 'CreatePartitions', validateOnly: false, topics: [{ name: 'nope', count: 3, assignments: null }] }, base, ctx))).toEqual([3]);
    expect(codes(decide(grow(3), base, counterCtx({ liveBrokers: new Set([1]) })))).toEqual([38]);
    const dry = decide({ type: 'CreatePartitions', validateOnly: true, topics: [{ name: 'orders', count: 3, assignments: null }] }, base, ctx);
    expect(dry instanceof KafkaError ? null : dry.events).toEqual([]);
  });

  it('AlterTopicConfigs incremental: set/delete/append/subtract, validated', () => {
    const alter = (ops: { name: string; op: 'set' | 'delete' | 'append' | 'subtract'; value: string | null }[]): MetaCommand =>
      ({ type: 'AlterTopicConfigs', topicName: 'orders', validateOnly: false, change: { mode: 'incremental', ops } });
    const d = decide(alter([{ name: 'retention.ms', op: 'set', value: '10' }, { name: 'cleanup.policy', op: 'append', value: 'compact' }]), base, ctx);
    expect(d instanceof KafkaError ? null : d.events).toEqual([
      { type: 'TopicConfigChanged', v: 1, topicId: ordersId, set: { 'retention.ms': '10', 'cleanup.policy': 'delete,compact' }, deleted: [] },
    ]);
    const after = applyAll(base, d instanceof KafkaError ? [] : d.events);
    const sub = decide(alter([{ name: 'cleanup.policy', op: 'subtract', value: 'delete' }, { name: 'retention.ms', op: 'delete', value: null }]), after, ctx);
    expect(sub instanceof KafkaError ? null : sub.events[0]).toMatchObject({ set: { 'cleanup.policy': 'compact' }, deleted: ['retention.ms'] });
    expect(errorCode(decide(alter([{ name: 'retention.ms', op: 'append', value: '1' }]), base, ctx))).toBe(40);
    expect(errorCode(decide(alter([{ name: 'bogus', op: 'set', value: '1' }]), base, ctx))).toBe(40);
    expect(errorCode(decide(alter([{ name: 'segment.bytes', op: 'set', value: '1' }]), base, ctx))).toBe(40);
    expect(errorCode(decide(alter([{ name: 'cleanup.policy', op: 'subtract', value: 'delete' }]), base, ctx))).toBe(40);
    expect(errorCode(decide(alter([{ name: 'retention.ms', op: 'set', value: '1' }, { name: 'retention.ms', op: 'delete', value: null }]), base, ctx))).toBe(42);
    const unknown = decide({ type: 'AlterTopicConfigs', topicName: 'nope', validateOnly: false, change: { mode: 'incremental', ops: [] } }, base, ctx);
    expect(errorCode(unknown)).toBe(3);
  });

  it('AlterTopicConfigs replace: unlisted keys are reset; validateOnly emits nothing', () => {
    const set = applyAll(base, [{ type: 'TopicConfigChanged', v: 1, topicId: ordersId, set: { 'retention.ms': '1', 'segment.bytes': '1000' }, deleted: [] }]);
    const d = decide({ type: 'AlterTopicConfigs', topicName: 'orders', validateOnly: false, change: { mode: 'replace', configs: { 'retention.ms': '2' } } }, set, ctx);
    expect(d instanceof KafkaError ? null : d.events[0]).toMatchObject({ set: { 'retention.ms': '2' }, deleted: ['segment.bytes'] });
    expect(topicByName(applyAll(set, d instanceof KafkaError ? [] : d.events), 'orders')?.configs).toEqual({ 'retention.ms': '2' });
    const dry = decide({ type: 'AlterTopicConfigs', topicName: 'orders', validateOnly: true, change: { mode: 'replace', configs: {} } }, set, ctx);
    expect(dry instanceof KafkaError ? null : dry.events).toEqual([]);
  });

  it('RegisterBroker is idempotent for identical details and validates ports', () => {
    const reg = { type: 'RegisterBroker' as const, brokerId: 1, kafkaHost: 'host1', kafkaPort: 9093, raftHost: 'host1', raftPort: 7001, rack: null, incarnation: 'inc-1' };
    expect(decide(reg, base, ctx)).toEqual({ events: [], results: [] });
    const restarted = decide({ ...reg, incarnation: 'inc-2' }, base, ctx);
    expect(restarted instanceof KafkaError ? null : restarted.events).toHaveLength(1);
    expect(errorCode(decide({ ...reg, kafkaPort: 0 }, base, ctx))).toBe(42);
    expect(errorCode(decide({ ...reg, brokerId: -1 }, base, ctx))).toBe(42);
  });

  it('InitializeCluster sets the id once, is idempotent, refuses a different id; UnregisterBroker', () => {
    const init = (clusterId: string): MetaCommand => ({ type: 'InitializeCluster', clusterId });
    const first = decide(init('MkU3OEVBNTcwNTJENDM2Qk'), base, ctx);
    expect(first instanceof KafkaError ? null : first.events).toEqual([{ type: 'ClusterInitialized', v: 1, clusterId: 'MkU3OEVBNTcwNTJENDM2Qk' }]);
    const image = applyAll(base, first instanceof KafkaError ? [] : first.events);
    expect(decide(init('MkU3OEVBNTcwNTJENDM2Qk'), image, ctx)).toEqual({ events: [], results: [] });
    expect(errorCode(decide(init('other'), image, ctx))).toBe(ErrorCode.INVALID_REQUEST);
    expect(errorCode(decide(init('bad id!'), base, ctx))).toBe(ErrorCode.INVALID_REQUEST);
    const gone = decide({ type: 'UnregisterBroker', brokerId: 3 }, base, ctx);
    expect(gone instanceof KafkaError ? null : gone.events).toEqual([{ type: 'BrokerUnregistered', v: 1, brokerId: 3 }]);
    expect(errorCode(decide({ type: 'UnregisterBroker', brokerId: 9 }, base, ctx))).toBe(ErrorCode.BROKER_NOT_AVAILABLE);
  });

  it('AllocateProducerIds hands out consecutive, non-overlapping blocks', () => {
    let image = base;
    const firsts: number[] = [];
    for (const brokerId of [1, 2, 1]) {
      const d = decide({ type: 'AllocateProducerIds', brokerId }, image, ctx);
      if (d instanceof KafkaError) throw d;
      const e = d.events[0];
      if (e?.type !== 'ProducerIdBlockAllocated') throw new Error('expected a block');
      firsts.push(e.firstProducerId);
      image = applyAll(image, d.events);
    }
    expect(firsts).toEqual([0, 1000, 2000]);
    expect(image.nextProducerId).toBe(3000);
    expect(errorCode(decide({ type: 'AllocateProducerIds', brokerId: 9 }, base, ctx))).toBe(ErrorCode.BROKER_NOT_AVAILABLE);
    expect(errorCode(decide({ type: 'AllocateProducerIds', brokerId: 1, blockSize: 0 }, base, ctx))).toBe(42);
  });
});
