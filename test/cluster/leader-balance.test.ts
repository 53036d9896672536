import { Kafka, logLevel } from 'kafkajs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ApiKey } from '../../src/kafka/protocol/index.js';
import { kafkaRequest } from '../helpers/kafka-request.js';
import { ProcessCluster } from '../helpers/process-cluster.js';

/**
 * After a failure heals, the leader balancer moves leadership back to the preferred leader
 * (replicas[0]); the preferred leader then commits LeaderElected and Metadata shows it again.
 */
let cluster: ProcessCluster;

beforeAll(async () => {
  cluster = await ProcessCluster.start({ nodes: 3, extraArgs: ['--set', 'leader.imbalance.check.interval.seconds=1', '--log-level', 'debug'] });
}, 60_000);

afterAll(async () => {
  await cluster?.stop();
});

async function partitionInfo(id: number, topic: string): Promise<{ leader: number; epoch: number; replicas: number[] }> {
  const port = Number(cluster.broker(id).split(':')[1]);
  const response = await kafkaRequest(port, ApiKey.Metadata, 9, { topics: [{ name: topic, topicId: 'AAAAAAAAAAAAAAAAAAAAAA' }], allowAutoTopicCreation: false });
  const p = response.topics[0]?.partitions[0];
  return { leader: p?.leaderId ?? -1, epoch: p?.leaderEpoch ?? -1, replicas: p?.replicaNodes ?? [] };
}

describe('leader balance', () => {
  it('returns leadership to the preferred leader once it is back and caught up', async () => {
    const topic = 'balanced';
    const admin = new Kafka({ brokers: [cluster.broker(0)], clientId: 'balance', logLevel: logLevel.NOTHING }).admin();
    await admin.connect();
    await admin.createTopics({ topics: [{ topic, numPartitions: 1, replicationFactor: 3 }] });
    await admin.disconnect();
    const before = await partitionInfo(0, topic);
    const preferred = before.replicas[0] as number;
    expect(before.leader).toBe(preferred);

    await cluster.kill(preferred);
    const survivors = [0, 1, 2].filter((id) => id !== preferred);
    const producer = new Kafka({ brokers: survivors.map((id) => cluster.broker(id)), clientId: 'balance-p', logLevel: logLevel.NOTHING, retry: { retries: 30, initialRetryTime: 50, maxRetryTime: 500 } }).producer();
    await producer.connect();
    await producer.send({ topic, acks: -1, messages: [{ value: 'while the preferred leader is down' }] });
    // The survivor that took over announces itself once it serves (an event in its log).
    const newLeader = await Promise.any(
      survivors.map((id) => cluster.waitForLog(id, (l) => l.msg === 'LeaderElected committed' && l.topic === topic, 30_000).then(() => id)),
    );
    const moved = await partitionInfo(newLeader, topic);
    expect(moved.leader).toBe(newLeader);

    await cluster.restart(preferred); // clears the node's earlier log lines
    await cluster.waitForLog(preferred, (l) => l.msg === 'LeaderElected committed' && l.topic === topic, 30_000);
    const after = await partitionInfo(preferred, topic);
    expect(after.leader).toBe(preferred);
    expect(after.epoch).toBeGreaterThan(moved.epoch);
    await producer.send({ topic, acks: -1, messages: [{ value: 'after the balance' }] });
    await producer.disconnect();
  }, 120_000);
});
