import { Kafka, logLevel, type Consumer } from 'kafkajs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ProcessCluster } from '../helpers/process-cluster.js';
import { kcatConsumeAll, run } from '../helpers/clients.js';

/**
 * A single `chronik start` process (a cluster of one, on the same code path as three), driven by
 * real clients: kafkajs (admin, producer, idempotent producer, consumer group) and kcat.
 */
let cluster: ProcessCluster;
let kafka: Kafka;

beforeAll(async () => {
  cluster = await ProcessCluster.start({ nodes: 1, extraArgs: ['--set', 'group.initial.rebalance.delay.ms=0', '--set', 'offsets.topic.num.partitions=4'] });
  kafka = new Kafka({ brokers: cluster.brokers, clientId: 'single-node-test', logLevel: logLevel.NOTHING });
}, 60_000);

afterAll(async () => {
  await cluster?.stop();
});

/** Consumes until `count` messages arrived (event-driven), bounded by timeoutMs. */
function collect(consumer: Consumer, count: number, timeoutMs: number): Promise<string[]> {
  const values: string[] = [];
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`only ${values.length}/${count} messages within ${timeoutMs} ms`)), timeoutMs);
    void consumer.run({
      eachMessage: async ({ message }) => {
        values.push(message.value?.toString() ?? '');
        if (values.length === count) {
          clearTimeout(timer);
          resolve(values);
        }
      },
    });
  });
}

describe('single node with real clients', () => {
  it('creates, lists and deletes topics with kafkajs admin; invalid and duplicate names get 17 and 36', async () => {
    const admin = kafka.admin();
    await admin.connect();
    expect(await admin.createTopics({ topics: [{ topic: 'admin-a', numPartitions: 2 }] })).toBe(true);
    expect(await admin.listTopics()).toContain('admin-a');
    await expect(admin.createTopics({ topics: [{ topic: 'bad/name' }] })).rejects.toMatchObject({ errors: [expect.objectContaining({ type: 'INVALID_TOPIC_EXCEPTION' })] });
    expect(await admin.createTopics({ topics: [{ topic: 'admin-a' }] })).toBe(false); // kafkajs maps 36 to false
    await admin.createPartitions({ topicPartitions: [{ topic: 'admin-a', count: 4 }] });
    const metadata = await admin.fetchTopicMetadata({ topics: ['admin-a'] });
    expect(metadata.topics[0]?.partitions.map((p) => p.leader)).toEqual([0, 0, 0, 0]);
    const description = await admin.describeCluster();
    expect(description.brokers.map((b) => b.nodeId)).toEqual([0]);
    expect(description.controller).toBe(0);
    expect(description.clusterId).toBe('chronik');
    await admin.deleteTopics({ topics: ['admin-a'] });
    expect(await admin.listTopics()).not.toContain('admin-a');
    await admin.disconnect();
  });

  it('produces with acks=all over 6 partitions (gzip and none) and a consumer group reads everything exactly once', async () => {
    const admin = kafka.admin();
    await admin.connect();
    await admin.createTopics({ topics: [{ topic: 'group-topic', numPartitions: 6 }] });
    await admin.disconnect();
    const producer = kafka.producer();
    await producer.connect();
    const { CompressionTypes } = await import('kafkajs');
    for (let i = 0; i < 20; i++) {
      await producer.send({
        topic: 'group-topic',
        acks: -1,
        compression: i % 2 === 0 ? CompressionTypes.GZIP : CompressionTypes.None,
        messages: Array.from({ length: 50 }, (_, j) => ({ key: `k${j}`, value: `m-${i * 50 + j}` })),
      });
    }
    await producer.disconnect();
    const consumer = kafka.consumer({ groupId: 'g-exactly-once', sessionTimeout: 10_000 });
    await consumer.connect();
    await consumer.subscribe({ topic: 'group-topic', fromBeginning: true });
    const values = await collect(consumer, 1000, 60_000);
    await consumer.disconnect();
    expect(new Set(values).size).toBe(1000);
    const admin2 = kafka.admin();
    await admin2.connect();
    const offsets = await admin2.fetchOffsets({ groupId: 'g-exactly-once', topics: ['group-topic'] });
    const committed = offsets[0]?.partitions.reduce((sum, p) => sum + Number(p.offset), 0);
    expect(committed).toBe(1000);
    await admin2.disconnect();
  }, 120_000);

  it('the idempotent producer gets a producer id and its batches are stored once', async () => {
    const producer = kafka.producer({ idempotent: true, maxInFlightRequests: 1 });
    await producer.connect();
    await producer.send({ topic: 'idem', acks: -1, messages: Array.from({ length: 100 }, (_, i) => ({ value: `idem-${i}` })) });
    await producer.disconnect();
    const records = await kcatConsumeAll(cluster.broker(0), 'idem');
    expect(records.map((r) => r.value)).toEqual(Array.from({ length: 100 }, (_, i) => `idem-${i}`));
  }, 60_000);

  it('kcat produces with every codec and consumes it back', async () => {
    for (const codec of ['gzip', 'snappy', 'lz4', 'zstd']) {
      const topic = `codec-${codec}`;
      const input = Array.from({ length: 200 }, (_, i) => `${codec}-${i}`).join('\n') + '\n';
      const produced = await run('kcat', ['-P', '-b', cluster.broker(0), '-t', topic, '-z', codec, '-X', 'acks=all'], { input, timeoutMs: 30_000 });
      expect(produced.code, produced.stderr).toBe(0);
      const records = await kcatConsumeAll(cluster.broker(0), topic);
      expect(records.map((r) => r.value)).toEqual(Array.from({ length: 200 }, (_, i) => `${codec}-${i}`));
    }
  }, 120_000);
});
