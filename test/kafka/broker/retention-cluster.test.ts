import { Kafka, logLevel } from 'kafkajs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ApiKey } from '../../../src/kafka/protocol/index.js';
import { kcatConsumeAll } from '../../helpers/clients.js';
import { kafkaRequest } from '../../helpers/kafka-request.js';
import { ProcessCluster } from '../../helpers/process-cluster.js';

/**
 * Retention on a 3-node cluster: the partition leader deletes old segments, tells its followers,
 * and they delete the same prefix; after the leader is killed, the new leader's log start is not
 * behind the old one, and consumers from the beginning start there.
 */
let cluster: ProcessCluster;

beforeAll(async () => {
  cluster = await ProcessCluster.start({ nodes: 3, extraArgs: ['--set', 'log.segment.bytes=16384', '--set', 'log.retention.check.interval.ms=300'] });
}, 60_000);

/** Restarts a node; a failure says what the node printed (a crash at start-up shows up here). */
async function restart(id: number): Promise<void> {
  try {
    await cluster.restart(id);
  } catch (err) {
    const tail = cluster.nodes[id]?.lines.slice(-15).map((l) => JSON.stringify(l)).join('\n');
    throw new Error(`restart of node ${id} failed: ${String(err)}\n${tail}`);
  }
}

afterAll(async () => {
  await cluster?.stop();
});

const isRetentionOf = (topic: string, msg: string) => (l: Record<string, unknown>): boolean => l.msg === msg && l.topic === topic;
const isRetention = (msg: string): ((l: Record<string, unknown>) => boolean) => isRetentionOf('ret3', msg);

describe('configs on a cluster', () => {
  it('a config altered through one broker is what every other broker describes right after', async () => {
    const kafka = new Kafka({ brokers: cluster.brokers, clientId: 'configs-cluster', logLevel: logLevel.NOTHING });
    const admin = kafka.admin();
    await admin.connect();
    await admin.createTopics({ topics: [{ topic: 'cfg3', numPartitions: 1, replicationFactor: 3 }] });
    await admin.disconnect();
    for (const [via, value] of [[0, '1111'], [1, '2222'], [2, '3333']] as const) {
      const port = cluster.nodes[via]?.kafkaPort as number;
      const altered = await kafkaRequest(port, ApiKey.IncrementalAlterConfigs, 1, {
        validateOnly: false,
        resources: [{ resourceType: 2, resourceName: 'cfg3', configs: [{ name: 'retention.ms', configOperation: 0, value }] }],
      });
      expect(altered.responses[0]?.errorCode).toBe(0);
      for (const node of cluster.nodes) {
        const described = await kafkaRequest(node.kafkaPort, ApiKey.DescribeConfigs, 1, {
          resources: [{ resourceType: 2, resourceName: 'cfg3', configurationKeys: ['retention.ms'] }],
          includeSynonyms: false,
        });
        expect(described.results[0]?.configs[0]?.value, `node ${node.id} after an alter via node ${via}`).toBe(value);
      }
    }
    // A broker resource names the broker the request goes to.
    const wrong = await kafkaRequest(cluster.nodes[0]?.kafkaPort as number, ApiKey.DescribeConfigs, 1, { resources: [{ resourceType: 4, resourceName: '1', configurationKeys: null }] });
    expect(wrong.results[0]?.errorCode).toBe(42);
    const right = await kafkaRequest(cluster.nodes[1]?.kafkaPort as number, ApiKey.DescribeConfigs, 1, { resources: [{ resourceType: 4, resourceName: '1', configurationKeys: ['broker.id'] }] });
    expect(right.results[0]?.configs.map((c) => [c.name, c.value])).toEqual([['broker.id', '1']]);
  }, 60_000);
});

describe('retention on a replicated partition', () => {
  it('followers delete the prefix the leader deleted; the log start survives a leader kill', async () => {
    const kafka = new Kafka({ brokers: cluster.brokers, clientId: 'retention-cluster', logLevel: logLevel.NOTHING, retry: { retries: 20, initialRetryTime: 50, maxRetryTime: 500 } });
    const admin = kafka.admin();
    await admin.connect();
    await admin.createTopics({ topics: [{ topic: 'ret3', numPartitions: 1, replicationFactor: 3, configEntries: [{ name: 'retention.ms', value: '1000' }] }] });
    const metadata = await admin.fetchTopicMetadata({ topics: ['ret3'] });
    const leader = metadata.topics[0]?.partitions[0]?.leader as number;
    const followers = [0, 1, 2].filter((id) => id !== leader);
    const producer = kafka.producer();
    await producer.connect();
    const value = 'r'.repeat(1000);
    for (let i = 0; i < 60; i++) await producer.send({ topic: 'ret3', acks: -1, messages: [{ value: `${i}:${value}` }] });

    await cluster.waitForLog(leader, isRetention('retention deleted old segments'), 20_000);
    await Promise.all(followers.map((f) => cluster.waitForLog(f, isRetention('retention trimmed follower replica'), 20_000)));
    const [before] = await admin.fetchTopicOffsets('ret3');
    const low = Number(before?.low);
    expect(low).toBeGreaterThan(0);
    await admin.disconnect();

    await cluster.kill(leader);
    const survivors = followers.map((id) => cluster.broker(id));
    const kafka2 = new Kafka({ brokers: survivors, clientId: 'retention-cluster-2', logLevel: logLevel.NOTHING, retry: { retries: 20, initialRetryTime: 50, maxRetryTime: 500 } });
    const producer2 = kafka2.producer();
    await producer2.connect();
    await producer2.send({ topic: 'ret3', acks: -1, messages: [{ value: 'after-failover' }] });
    await producer2.disconnect();
    await producer.disconnect().catch(() => undefined);
    const admin2 = kafka2.admin();
    await admin2.connect();
    const [after] = await admin2.fetchTopicOffsets('ret3');
    await admin2.disconnect();
    expect(Number(after?.low)).toBeGreaterThanOrEqual(low);
    expect(Number(after?.high)).toBe(61);

    const records = await kcatConsumeAll(survivors[0] as string, 'ret3');
    const first = records[0]?.offset as number;
    expect(first).toBeGreaterThanOrEqual(low);
    expect(records.map((r) => r.offset)).toEqual(Array.from({ length: 61 - first }, (_, i) => first + i));
    expect(records.at(-1)?.value).toBe('after-failover');
  }, 120_000);

  it('a follower that is down does not hold retention back, and catches up past the deleted prefix when it returns', async () => {
    for (const node of cluster.nodes) if (node.child === undefined) await restart(node.id);
    const retry = { retries: 30, initialRetryTime: 50, maxRetryTime: 500 };
    const kafka = new Kafka({ brokers: cluster.brokers, clientId: 'retention-down', logLevel: logLevel.NOTHING, retry });
    const admin = kafka.admin();
    await admin.connect();
    await admin.createTopics({ topics: [{ topic: 'ret-down', numPartitions: 1, replicationFactor: 3, configEntries: [{ name: 'retention.ms', value: '1000' }] }] });
    const leader = (await admin.fetchTopicMetadata({ topics: ['ret-down'] })).topics[0]?.partitions[0]?.leader as number;
    await admin.disconnect();
    const [down, other] = [0, 1, 2].filter((id) => id !== leader) as [number, number];
    await cluster.kill(down);

    // Idempotent: the sends below ride out kills and elections, and a plain producer's retry of a
    // send whose first attempt was committed after all (an ambiguous failure) appends the value
    // twice, as Kafka allows for it; this test counts offsets exactly. The likely cause of a high
    // watermark of 63 for 62 sends in one loaded CI run (not confirmed: that run kept no logs; a
    // mismatch now names the values stored twice).
    const produce = async (brokers: string[], values: string[]): Promise<void> => {
      const producer = new Kafka({ brokers, clientId: 'retention-down-producer', logLevel: logLevel.NOTHING, retry }).producer({ idempotent: true, maxInFlightRequests: 1 });
      await producer.connect();
      for (const value of values) await producer.send({ topic: 'ret-down', acks: -1, messages: [{ value }] });
      await producer.disconnect();
    };
    const big = 'd'.repeat(1000);
    await produce([cluster.broker(leader)], Array.from({ length: 60 }, (_, i) => `${i}:${big}`));
    await cluster.waitForLog(leader, isRetentionOf('ret-down', 'retention deleted old segments'), 20_000);

    // The returning follower is needed for acks=all once the other one is gone: this commit proves
    // it caught up from below the leader's first index.
    await restart(down);
    await cluster.kill(other);
    await produce([cluster.broker(leader), cluster.broker(down)], ['with-returned-follower']);
    await restart(other);
    await cluster.kill(leader);
    await produce([cluster.broker(down), cluster.broker(other)], ['after-leader-kill']);

    const survivors = [cluster.broker(down), cluster.broker(other)];
    const admin2 = new Kafka({ brokers: survivors, clientId: 'retention-down-2', logLevel: logLevel.NOTHING, retry }).admin();
    await admin2.connect();
    const [offsets] = await admin2.fetchTopicOffsets('ret-down');
    await admin2.disconnect();
    const records = await kcatConsumeAll(survivors[0] as string, 'ret-down');
    const values = records.map((r) => r.value);
    const twice = values.filter((v, i) => values.indexOf(v) !== i);
    expect(Number(offsets?.low)).toBeGreaterThan(0);
    expect(Number(offsets?.high), `values stored twice: ${JSON.stringify(twice.map((v) => v.slice(0, 30)))}`).toBe(62);
    const first = records[0]?.offset as number;
    expect(first).toBe(Number(offsets?.low));
    expect(records.map((r) => r.offset)).toEqual(Array.from({ length: 62 - first }, (_, i) => first + i));
    expect(records.slice(-2).map((r) => r.value)).toEqual(['with-returned-follower', 'after-leader-kill']);
  }, 120_000);
});
