import { Kafka, logLevel } from 'kafkajs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { resolve } from 'node:path';
import { kcatConsumeAll, run } from '../helpers/clients.js';
import { ProcessCluster } from '../helpers/process-cluster.js';

/**
 * The seed scenario of the cluster issue: on a fresh 3-node cluster, create a topic (3 partitions,
 * RF 3) through one node and immediately produce 1,000 messages with acks=all through ANOTHER node,
 * with client retries off. Every message must be acknowledged on its first try, and consuming
 * returns exactly the 1,000, in order per partition.
 */
const MESSAGES = 1_000;
const PYTHON = '/usr/bin/python3';
const PY_SCRIPT = resolve(import.meta.dirname, '../clients/python_create_produce.py');

let cluster: ProcessCluster;

beforeAll(async () => {
  cluster = await ProcessCluster.start({ nodes: 3 });
}, 60_000);

afterAll(async () => {
  await cluster?.stop();
});

async function expectExactlyOnceInOrder(topic: string, consumeFrom: string): Promise<void> {
  const records = await kcatConsumeAll(consumeFrom, topic);
  expect(records).toHaveLength(MESSAGES);
  expect(new Set(records.map((r) => r.value)).size).toBe(MESSAGES);
  for (const p of [0, 1, 2]) {
    const offsets = records.filter((r) => r.partition === p).map((r) => r.offset);
    expect(offsets).toEqual(offsets.map((_, i) => i));
  }
}

describe('seed scenario: produce right after topic creation on 3 nodes', () => {
  it('kafkajs: 20 topics, 100% acknowledged on the first try', async () => {
    let acked = 0;
    const errors: string[] = [];
    for (let round = 0; round < 20; round++) {
      const topic = `seed-kafkajs-${round}`;
      const admin = new Kafka({ brokers: [cluster.broker(round % 3)], clientId: 'seed-admin', logLevel: logLevel.NOTHING }).admin();
      await admin.connect();
      expect(await admin.createTopics({ topics: [{ topic, numPartitions: 3, replicationFactor: 3 }], waitForLeaders: false })).toBe(true);
      await admin.disconnect();
      const producer = new Kafka({
        brokers: [cluster.broker((round + 1) % 3)],
        clientId: 'seed-producer',
        logLevel: logLevel.NOTHING,
        retry: { retries: 0 },
      }).producer({ retry: { retries: 0 } });
      await producer.connect();
      for (let i = 0; i < MESSAGES / 100; i++) {
        try {
          await producer.send({ topic, acks: -1, messages: Array.from({ length: 100 }, (_, j) => ({ key: `k${j % 16}`, value: `v-${i * 100 + j}` })) });
          acked += 100;
        } catch (err) {
          errors.push(`${topic}: ${(err as Error).message}`);
        }
      }
      await producer.disconnect();
    }
    expect(errors).toEqual([]);
    expect(acked).toBe(20 * MESSAGES);
    await expectExactlyOnceInOrder('seed-kafkajs-7', cluster.broker(2));
  }, 240_000);

  it('kafka-python (default retries=0): 3 topics, 100% acknowledged', async () => {
    for (let round = 0; round < 3; round++) {
      const topic = `seed-python-${round}`;
      const result = await run(PYTHON, [PY_SCRIPT, cluster.broker(round % 3), cluster.broker((round + 1) % 3), topic, '3', '3', String(MESSAGES)], { timeoutMs: 120_000 });
      expect(result.code, result.stderr).toBe(0);
      expect(JSON.parse(result.stdout.trim().split('\n').at(-1) as string)).toEqual({ acked: MESSAGES, errors: [] });
      await expectExactlyOnceInOrder(topic, cluster.broker((round + 2) % 3));
    }
  }, 240_000);

  it('kcat (librdkafka, retries off): 3 topics, 100% acknowledged', async () => {
    for (let round = 0; round < 3; round++) {
      const topic = `seed-kcat-${round}`;
      const admin = new Kafka({ brokers: [cluster.broker(round % 3)], clientId: 'seed-admin', logLevel: logLevel.NOTHING }).admin();
      await admin.connect();
      await admin.createTopics({ topics: [{ topic, numPartitions: 3, replicationFactor: 3 }] });
      await admin.disconnect();
      const input = Array.from({ length: MESSAGES }, (_, i) => `k${i % 16}:kcat-${i}`).join('\n') + '\n';
      const result = await run(
        'kcat',
        ['-P', '-b', cluster.broker((round + 1) % 3), '-t', topic, '-K', ':', '-X', 'acks=all', '-X', 'message.send.max.retries=0', '-X', 'linger.ms=5'],
        { input, timeoutMs: 60_000 },
      );
      expect(result.code, result.stderr).toBe(0);
      expect(result.stderr).not.toMatch(/fail|error/i);
      await expectExactlyOnceInOrder(topic, cluster.broker((round + 2) % 3));
    }
  }, 240_000);
  it('kafkajs with one node down: 5 topics (RF 3), still 100% acknowledged on the first try', async () => {
    await cluster.kill(2);
    for (let round = 0; round < 5; round++) {
      const topic = `seed-degraded-${round}`;
      const admin = new Kafka({ brokers: [cluster.broker(round % 2)], clientId: 'seed-admin', logLevel: logLevel.NOTHING }).admin();
      await admin.connect();
      expect(await admin.createTopics({ topics: [{ topic, numPartitions: 3, replicationFactor: 3 }], waitForLeaders: false })).toBe(true);
      await admin.disconnect();
      const producer = new Kafka({ brokers: [cluster.broker((round + 1) % 2)], clientId: 'seed-producer', logLevel: logLevel.NOTHING, retry: { retries: 0 } }).producer({
        retry: { retries: 0 },
      });
      await producer.connect();
      for (let i = 0; i < MESSAGES / 100; i++) {
        await producer.send({ topic, acks: -1, messages: Array.from({ length: 100 }, (_, j) => ({ key: `k${j % 16}`, value: `v-${i * 100 + j}` })) });
      }
      await producer.disconnect();
      await expectExactlyOnceInOrder(topic, cluster.broker(round % 2));
    }
  }, 240_000);

});
