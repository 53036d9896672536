import { ConfigResourceTypes, Kafka, logLevel, type Admin } from 'kafkajs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ApiKey } from '../../../src/kafka/protocol/index.js';
import { kcatConsumeAll } from '../../helpers/clients.js';
import { kafkaRequest } from '../../helpers/kafka-request.js';
import { ProcessCluster } from '../../helpers/process-cluster.js';

/**
 * Config APIs and background retention against one real `chronik start` process: kafkajs admin
 * describe/alter, raw IncrementalAlterConfigs, and a topic whose old segments retention deletes.
 * Small segments and a 300 ms retention pass make retention observable within seconds.
 */
let cluster: ProcessCluster;
let kafka: Kafka;
let admin: Admin;

beforeAll(async () => {
  cluster = await ProcessCluster.start({
    nodes: 1,
    extraArgs: ['--set', 'log.segment.bytes=16384', '--set', 'log.retention.check.interval.ms=300', '--set', 'group.initial.rebalance.delay.ms=0', '--set', 'offsets.topic.num.partitions=2'],
  });
  kafka = new Kafka({ brokers: cluster.brokers, clientId: 'configs-test', logLevel: logLevel.NOTHING });
  admin = kafka.admin();
  await admin.connect();
}, 60_000);

afterAll(async () => {
  await admin?.disconnect();
  await cluster?.stop();
});

async function topicConfig(topic: string, name: string): Promise<{ value: string; isDefault: boolean; configSource?: number } | undefined> {
  const res = await admin.describeConfigs({ resources: [{ type: ConfigResourceTypes.TOPIC, name: topic, configNames: [name] }], includeSynonyms: false });
  const entry = res.resources[0]?.configEntries.find((e) => e.configName === name);
  return entry === undefined ? undefined : { value: entry.configValue, isDefault: entry.isDefault, ...(entry.configSource === undefined ? {} : { configSource: entry.configSource }) };
}

describe('config APIs with kafkajs admin', () => {
  it('describes defaults, honours validate_only, alters, and refuses unknown topics and invalid values', async () => {
    await admin.createTopics({ topics: [{ topic: 'cfg', numPartitions: 1 }] });
    expect(await topicConfig('cfg', 'retention.ms')).toMatchObject({ value: '604800000', isDefault: true });
    // The node's own setting (log.segment.bytes=16384) is what a topic without its own value gets.
    expect(await topicConfig('cfg', 'segment.bytes')).toMatchObject({ value: '16384', isDefault: false });

    await admin.alterConfigs({ validateOnly: true, resources: [{ type: ConfigResourceTypes.TOPIC, name: 'cfg', configEntries: [{ name: 'retention.ms', value: '1234' }] }] });
    expect((await topicConfig('cfg', 'retention.ms'))?.value).toBe('604800000');
    await admin.alterConfigs({ validateOnly: false, resources: [{ type: ConfigResourceTypes.TOPIC, name: 'cfg', configEntries: [{ name: 'retention.ms', value: '1234' }] }] });
    expect(await topicConfig('cfg', 'retention.ms')).toMatchObject({ value: '1234', isDefault: false });

    await expect(
      admin.alterConfigs({ validateOnly: false, resources: [{ type: ConfigResourceTypes.TOPIC, name: 'no-such-topic', configEntries: [{ name: 'retention.ms', value: '1' }] }] }),
    ).rejects.toMatchObject({ type: 'UNKNOWN_TOPIC_OR_PARTITION' });
    await expect(
      admin.alterConfigs({ validateOnly: false, resources: [{ type: ConfigResourceTypes.TOPIC, name: 'cfg', configEntries: [{ name: 'retention.ms', value: 'soon' }] }] }),
    ).rejects.toMatchObject({ type: 'INVALID_CONFIG' });
    await expect(
      admin.alterConfigs({ validateOnly: false, resources: [{ type: ConfigResourceTypes.TOPIC, name: 'cfg', configEntries: [{ name: 'retention.mss', value: '1' }] }] }),
    ).rejects.toMatchObject({ type: 'INVALID_CONFIG' });
    await expect(admin.describeConfigs({ resources: [{ type: ConfigResourceTypes.TOPIC, name: 'no-such-topic' }], includeSynonyms: false })).rejects.toMatchObject({
      type: 'UNKNOWN_TOPIC_OR_PARTITION',
    });
    // Legacy AlterConfigs replaces the whole set: retention.ms, not listed, returns to its default.
    await admin.alterConfigs({ validateOnly: false, resources: [{ type: ConfigResourceTypes.TOPIC, name: 'cfg', configEntries: [{ name: 'cleanup.policy', value: 'compact' }] }] });
    expect(await topicConfig('cfg', 'retention.ms')).toMatchObject({ value: '604800000', isDefault: true });
    expect((await topicConfig('cfg', 'cleanup.policy'))?.value).toBe('compact');
  }, 60_000);

  it('describes the broker: static settings read-only under Kafka names, dynamic ones alterable', async () => {
    const res = await admin.describeConfigs({ resources: [{ type: ConfigResourceTypes.BROKER, name: '0' }], includeSynonyms: true });
    const entries = new Map(res.resources[0]?.configEntries.map((e) => [e.configName, e]));
    expect(entries.get('log.retention.check.interval.ms')?.configValue).toBe('300');
    expect(entries.get('log.segment.bytes')).toMatchObject({ configValue: '16384', readOnly: false });
    expect(entries.get('broker.id')).toMatchObject({ configValue: '0', readOnly: true });
    await admin.alterConfigs({ validateOnly: false, resources: [{ type: ConfigResourceTypes.BROKER, name: '0', configEntries: [{ name: 'log.retention.bytes', value: '999999' }] }] });
    const after = await admin.describeConfigs({ resources: [{ type: ConfigResourceTypes.BROKER, name: '0', configNames: ['log.retention.bytes'] }], includeSynonyms: true });
    const entry = after.resources[0]?.configEntries[0];
    expect(entry).toMatchObject({ configName: 'log.retention.bytes', configValue: '999999', configSource: 2 });
    expect(entry?.configSynonyms.map((s) => s.configSource)).toEqual([2, 4]);
    await expect(
      admin.alterConfigs({ validateOnly: false, resources: [{ type: ConfigResourceTypes.BROKER, name: '0', configEntries: [{ name: 'broker.id', value: '7' }] }] }),
    ).rejects.toMatchObject({ type: 'INVALID_CONFIG' });
    // Put it back (legacy replace with nothing listed deletes every per-broker dynamic config).
    await admin.alterConfigs({ validateOnly: false, resources: [{ type: ConfigResourceTypes.BROKER, name: '0', configEntries: [] }] });
    const reset = await admin.describeConfigs({ resources: [{ type: ConfigResourceTypes.BROKER, name: '0', configNames: ['log.retention.bytes'] }], includeSynonyms: false });
    expect(reset.resources[0]?.configEntries[0]?.configValue).toBe('-1');
  }, 60_000);

  it('IncrementalAlterConfigs sets, appends and deletes; other resource types and other brokers get a clear error', async () => {
    const port = cluster.nodes[0]?.kafkaPort as number;
    await admin.createTopics({ topics: [{ topic: 'cfg-inc', numPartitions: 1 }] });
    const inc = await kafkaRequest(port, ApiKey.IncrementalAlterConfigs, 1, {
      validateOnly: false,
      resources: [
        { resourceType: 2, resourceName: 'cfg-inc', configs: [{ name: 'retention.bytes', configOperation: 0, value: '5000000' }, { name: 'cleanup.policy', configOperation: 2, value: 'compact' }] },
        { resourceType: 3, resourceName: 'some-group', configs: [] },
        { resourceType: 4, resourceName: '42', configs: [] },
        { resourceType: 2, resourceName: 'cfg-inc', configs: [{ name: 'retention.bytes', configOperation: 9, value: '1' }] },
      ],
    });
    expect(inc.responses.map((r) => r.errorCode)).toEqual([0, 42, 42, 42]);
    expect(inc.responses[1]?.errorMessage).toMatch(/not supported/);
    expect((await topicConfig('cfg-inc', 'cleanup.policy'))?.value).toBe('delete,compact');
    expect((await topicConfig('cfg-inc', 'retention.bytes'))?.value).toBe('5000000');
    const del = await kafkaRequest(port, ApiKey.IncrementalAlterConfigs, 0, {
      validateOnly: false,
      resources: [{ resourceType: 2, resourceName: 'cfg-inc', configs: [{ name: 'retention.bytes', configOperation: 1, value: null }] }],
    });
    expect(del.responses[0]?.errorCode).toBe(0);
    expect(await topicConfig('cfg-inc', 'retention.bytes')).toMatchObject({ value: '-1', isDefault: true });
    const v4 = await kafkaRequest(port, ApiKey.DescribeConfigs, 4, {
      resources: [{ resourceType: 2, resourceName: 'cfg-inc', configurationKeys: ['retention.ms'] }],
      includeSynonyms: true,
      includeDocumentation: true,
    });
    expect(v4.results[0]?.configs[0]).toMatchObject({ name: 'retention.ms', configType: 5, configSource: 5 });
    expect(v4.results[0]?.configs[0]?.documentation).toMatch(/log segment/);
  }, 60_000);
});

describe('DeleteRecords', () => {
  it('moves the log start to the requested offset (kafkajs), to the high watermark (-1), and refuses out-of-range offsets', async () => {
    await admin.createTopics({ topics: [{ topic: 'dr', numPartitions: 1 }] });
    const producer = kafka.producer();
    await producer.connect();
    // One batch per message, so that every offset is a batch boundary.
    for (let i = 0; i < 50; i++) await producer.send({ topic: 'dr', acks: -1, messages: [{ value: `dr-${i}` }] });
    await producer.disconnect();
    // kafkajs looks the leader up in its metadata cache before loading it: load it first.
    await admin.fetchTopicOffsets('dr');
    await admin.deleteTopicRecords({ topic: 'dr', partitions: [{ partition: 0, offset: '30' }] });
    expect((await admin.fetchTopicOffsets('dr'))[0]).toMatchObject({ low: '30', high: '50' });
    const port = cluster.nodes[0]?.kafkaPort as number;
    const res = await kafkaRequest(port, ApiKey.DeleteRecords, 2, {
      timeoutMs: 5000,
      topics: [
        { name: 'dr', partitions: [{ partitionIndex: 0, offset: 999 }, { partitionIndex: 1, offset: 0 }] },
        { name: 'no-such-topic', partitions: [{ partitionIndex: 0, offset: 0 }] },
      ],
    });
    expect(res.topics.map((t) => t.partitions.map((p) => p.errorCode))).toEqual([[1, 3], [3]]);
    const all = await kafkaRequest(port, ApiKey.DeleteRecords, 0, { timeoutMs: 5000, topics: [{ name: 'dr', partitions: [{ partitionIndex: 0, offset: -1 }] }] });
    expect(all.topics[0]?.partitions[0]).toMatchObject({ errorCode: 0, lowWatermark: 50 });
    expect((await admin.fetchTopicOffsets('dr'))[0]).toMatchObject({ low: '50', high: '50' });
    // An emptied log takes new records at the next offset.
    const again = kafka.producer();
    await again.connect();
    await again.send({ topic: 'dr', acks: -1, messages: [{ value: 'after-delete' }] });
    await again.disconnect();
    expect(await kcatConsumeAll(cluster.broker(0), 'dr')).toEqual([{ partition: 0, offset: 50, value: 'after-delete' }]);
  }, 60_000);
});

async function firstOffsetConsumed(groupId: string, topic: string): Promise<number> {
  const consumer = kafka.consumer({ groupId });
  await consumer.connect();
  await consumer.subscribe({ topic, fromBeginning: true });
  try {
    return await new Promise<number>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`${groupId}: no message within 30 s`)), 30_000);
      void consumer.run({
        eachMessage: async ({ message }) => {
          clearTimeout(timer);
          resolve(Number(message.offset));
        },
      });
    });
  } finally {
    await consumer.disconnect();
  }
}

describe('retention', () => {
  it('deletes old segments of a topic with a small retention.ms: earliest moves forward, consumers start there', async () => {
    await admin.createTopics({ topics: [{ topic: 'ret', numPartitions: 1, configEntries: [{ name: 'retention.ms', value: '1000' }] }] });
    await admin.setOffsets({ groupId: 'ret-stale', topic: 'ret', partitions: [{ partition: 0, offset: '0' }] });
    const producer = kafka.producer();
    await producer.connect();
    const value = 'x'.repeat(1000);
    for (let i = 0; i < 60; i++) await producer.send({ topic: 'ret', acks: -1, messages: [{ value: `${i}:${value}` }] });
    await producer.disconnect();
    const deleted = cluster.waitForLog(0, (l) => l.msg === 'retention deleted old segments' && l.topic === 'ret', 20_000);
    await deleted;
    const [offsets] = await admin.fetchTopicOffsets('ret');
    const low = Number(offsets?.low);
    expect(low).toBeGreaterThan(0);
    expect(Number(offsets?.high)).toBe(60);
    // A new group starts at the log start; a group whose committed offset retention deleted gets
    // OFFSET_OUT_OF_RANGE and resets to the earliest offset that exists.
    for (const groupId of ['ret-reader', 'ret-stale']) {
      const first = await firstOffsetConsumed(groupId, 'ret');
      // Retention may have moved on meanwhile (the pass repeats); the consumer never sees below the start.
      expect(first, groupId).toBeGreaterThanOrEqual(low);
    }
    // The other topics (default 7-day retention) kept everything.
    const [cfgOffsets] = await admin.fetchTopicOffsets('cfg');
    expect(Number(cfgOffsets?.low)).toBe(0);
  }, 60_000);

  it('deletes by retention.bytes, and never touches a compact-only topic', async () => {
    await admin.createTopics({
      topics: [
        { topic: 'ret-compact', numPartitions: 1, configEntries: [{ name: 'retention.ms', value: '1' }, { name: 'cleanup.policy', value: 'compact' }] },
        { topic: 'ret-size', numPartitions: 1, configEntries: [{ name: 'retention.bytes', value: '20000' }] },
      ],
    });
    const producer = kafka.producer();
    await producer.connect();
    const value = 'y'.repeat(1000);
    // The compact-only topic is written first: every pass that trims ret-size has seen it expired.
    for (let i = 0; i < 40; i++) await producer.send({ topic: 'ret-compact', acks: -1, messages: [{ key: `k${i}`, value }] });
    for (let i = 0; i < 80; i++) await producer.send({ topic: 'ret-size', acks: -1, messages: [{ value }] });
    await producer.disconnect();
    await cluster.waitForLog(0, (l) => l.msg === 'retention deleted old segments' && l.topic === 'ret-size', 20_000);
    const [size] = await admin.fetchTopicOffsets('ret-size');
    expect(Number(size?.low)).toBeGreaterThan(0);
    // What stays is at least retention.bytes: about 20 of the 80 ~1 KB batches, plus the active segment.
    expect(Number(size?.high) - Number(size?.low)).toBeGreaterThanOrEqual(18);
    const [compact] = await admin.fetchTopicOffsets('ret-compact');
    expect(compact).toMatchObject({ low: '0', high: '40' });
  }, 60_000);
});
