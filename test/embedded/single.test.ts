import { CompressionTypes } from 'kafkajs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startChronik, type EmbeddedCluster } from '../../src/index.js';
import { collect, kafkaFor, produceSeries } from './helpers.js';

/** One embedded node on disk (temp dir), driven by kafkajs: the everyday use of startChronik(). */
let cluster: EmbeddedCluster;

beforeAll(async () => {
  cluster = await startChronik();
}, 30_000);

afterAll(async () => {
  await cluster?.stop();
});

describe('startChronik() — one node', () => {
  it('serves kafkajs produce and a consumer group; records() shows what is stored', async () => {
    expect(cluster.brokers).toHaveLength(1);
    expect(cluster.brokers[0]).toMatch(/^127\.0\.0\.1:\d+$/);
    const created = await cluster.createTopic('orders', { partitions: 3 });
    expect(created.leaders).toEqual([0, 0, 0]);
    const kafka = kafkaFor(cluster.brokers, 'single');
    const producer = kafka.producer();
    await producer.connect();
    expect(await produceSeries(producer, 'orders', 'm', 0, 60)).toBe(60);
    await producer.disconnect();

    // A gzip batch is inflated by records(); keys, headers and timestamps come through.
    await producer.connect();
    await producer.send({ topic: 'orders', compression: CompressionTypes.GZIP, messages: [{ partition: 1, key: 'gz', value: 'zipped', headers: { h: 'v' }, timestamp: '1700000000000' }] });
    await producer.disconnect();
    const zipped = (await cluster.records('orders', 1)).at(-1);
    expect(zipped).toMatchObject({ topic: 'orders', partition: 1, timestamp: 1_700_000_000_000 });
    expect([zipped?.key?.toString(), zipped?.value?.toString(), zipped?.headers[0]?.key, zipped?.headers[0]?.value?.toString()]).toEqual(['gz', 'zipped', 'h', 'v']);

    const stored = await cluster.records('orders');
    expect(stored.map((r) => r.value?.toString()).sort()).toEqual([...Array.from({ length: 60 }, (_, i) => `m-${i}`), 'zipped'].sort());
    const p0 = await cluster.records('orders', 0);
    expect(p0.every((r) => r.partition === 0)).toBe(true);
    expect(p0.map((r) => r.offset)).toEqual(p0.map((_, i) => i));

    const consumer = kafka.consumer({ groupId: 'orders-reader' });
    await consumer.connect();
    await consumer.subscribe({ topic: 'orders', fromBeginning: true });
    const values = await collect(consumer, 61, 20_000);
    await consumer.disconnect();
    expect(values.sort()).toEqual([...Array.from({ length: 60 }, (_, i) => `m-${i}`), 'zipped'].sort());
  }, 40_000);

  it('reset() deletes every topic and group, and a topic of the same name starts empty', async () => {
    const result = await cluster.reset();
    expect(result.topics).toContain('orders');
    expect(result.groups).toContain('orders-reader');
    const admin = kafkaFor(cluster.brokers, 'reset').admin();
    await admin.connect();
    expect((await admin.listTopics()).filter((t) => !t.startsWith('__'))).toEqual([]);
    expect((await admin.listGroups()).groups).toEqual([]);
    await admin.disconnect();
    await cluster.createTopic('orders', { partitions: 1 });
    expect(await cluster.records('orders')).toEqual([]);
    await cluster.reset();
  }, 30_000);

  it('waitFor resolves on an event and on a predicate, and times out with a bound', async () => {
    const ready = cluster.waitFor({ type: 'topic-ready', topic: 'later' }, { timeoutMs: 10_000 });
    await cluster.createTopic('later', { partitions: 2 });
    expect(await ready).toEqual([0, 0]);
    const count = await cluster.waitFor((image) => image.topicIdsByName.size > 0 && image.topicIdsByName.size, { timeoutMs: 1_000 });
    expect(count).toBeGreaterThan(0);
    await expect(cluster.waitFor({ type: 'topic-ready', topic: 'never' }, { timeoutMs: 50 })).rejects.toThrow(/50/);
    await cluster.reset();
  });

  it('refuses bad options and unknown settings with a ConfigError', async () => {
    await expect(startChronik({ nodes: 0 })).rejects.toThrow(/nodes must be/);
    await expect(startChronik({ settings: { 'no.such.setting': 1 } })).rejects.toThrow(/unknown setting/);
    await expect(startChronik({ settings: { 'node.id': 3 } })).rejects.toThrow(/set per node/);
    await expect(startChronik({ storage: 'memory', dataDir: '/tmp/x' })).rejects.toThrow(/dataDir/);
  });
});
