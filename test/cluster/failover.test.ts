import { Kafka, logLevel } from 'kafkajs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ApiKey } from '../../src/kafka/protocol/index.js';
import { kcatConsumeAll } from '../helpers/clients.js';
import { kafkaRequest } from '../helpers/kafka-request.js';
import { ProcessCluster } from '../helpers/process-cluster.js';

/**
 * Kill the leader of a partition with SIGKILL: the survivors elect a new leader, commit its
 * LeaderElected (Metadata shows it with a higher epoch), producing resumes, and nothing that was
 * acknowledged with acks=all is lost. The dead node leaves the ISR at once (not after
 * replica.lag.time.max.ms), restarts, catches up and rejoins it.
 */
let cluster: ProcessCluster;

beforeAll(async () => {
  cluster = await ProcessCluster.start({ nodes: 3 });
}, 60_000);

afterAll(async () => {
  await cluster?.stop();
});

/** Metadata v9 carries the leader epoch, which kafkajs does not expose. */
async function leaderOf(broker: string, topic: string): Promise<{ leader: number; epoch: number; isr: number[] }> {
  const port = Number(broker.split(':')[1]);
  const response = await kafkaRequest(port, ApiKey.Metadata, 9, { topics: [{ name: topic, topicId: 'AAAAAAAAAAAAAAAAAAAAAA' }], allowAutoTopicCreation: false });
  const p = response.topics[0]?.partitions[0];
  return { leader: p?.leaderId ?? -1, epoch: p?.leaderEpoch ?? -1, isr: [...(p?.isrNodes ?? [])].sort((a, b) => a - b) };
}

/**
 * Asks Metadata until the ISR is `want`, within `boundMs`. The protocol has no notification of an
 * ISR change, so a client (or an operator's tool) can only ask again: 100 ms apart, bounded.
 */
async function isrBecomes(broker: string, topic: string, want: number[], boundMs: number): Promise<void> {
  const deadline = performance.now() + boundMs;
  let last: number[] = [];
  while (performance.now() < deadline) {
    last = (await leaderOf(broker, topic)).isr;
    if (last.join() === want.join()) return;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`ISR of ${topic} is [${last.join()}], not [${want.join()}], after ${boundMs} ms`);
}

describe('partition leader failover', () => {
  it('elects a new leader, shows it in Metadata with a higher epoch, and keeps every acked message', async () => {
    const topic = 'failover';
    const admin = new Kafka({ brokers: [cluster.broker(0)], clientId: 'failover', logLevel: logLevel.NOTHING }).admin();
    await admin.connect();
    await admin.createTopics({ topics: [{ topic, numPartitions: 1, replicationFactor: 3 }] });
    await admin.disconnect();
    const before = await leaderOf(cluster.broker(0), topic);
    expect(before.leader).toBeGreaterThanOrEqual(0);

    const produceVia = async (brokers: string[], from: number, count: number): Promise<void> => {
      const producer = new Kafka({ brokers, clientId: 'failover-producer', logLevel: logLevel.NOTHING, retry: { retries: 20, initialRetryTime: 50, maxRetryTime: 500 } }).producer();
      await producer.connect();
      for (let i = from; i < from + count; i += 50) {
        await producer.send({ topic, acks: -1, messages: Array.from({ length: 50 }, (_, j) => ({ value: `m-${i + j}` })) });
      }
      await producer.disconnect();
    };
    await produceVia(cluster.brokers, 0, 500);

    await cluster.kill(before.leader);
    const survivor = [0, 1, 2].find((id) => id !== before.leader) as number;
    const survivors = [0, 1, 2].filter((id) => id !== before.leader).map((id) => cluster.broker(id));
    // kafkajs retries NOT_LEADER_OR_FOLLOWER by refreshing Metadata until it shows the new leader,
    // which happens once the new leader's LeaderElected is committed.
    await produceVia(survivors, 500, 500);
    const after = await leaderOf(cluster.broker(survivor), topic);
    expect(after.leader).not.toBe(before.leader);
    expect(after.epoch).toBeGreaterThan(before.epoch);
    // Far inside replica.lag.time.max.ms (30 s): an unreachable replica is out at once.
    const live = [0, 1, 2].filter((id) => id !== before.leader);
    await isrBecomes(cluster.broker(survivor), topic, live, 5_000);

    await cluster.restart(before.leader);
    await isrBecomes(cluster.broker(survivor), topic, [0, 1, 2], 30_000);
    await produceVia(cluster.brokers, 1000, 500);
    const records = await kcatConsumeAll(cluster.broker(survivor), topic);
    expect(records.map((r) => r.value)).toEqual(Array.from({ length: 1500 }, (_, i) => `m-${i}`));
  }, 120_000);
});
