import { Kafka, logLevel } from 'kafkajs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ApiKey } from '../../src/kafka/protocol/index.js';
import { currentMetaLeader, waitAllInSync } from '../../tools/soak/harness.js';
import { kafkaRequest } from '../helpers/kafka-request.js';
import type { ProcessCluster } from '../helpers/process-cluster.js';
import { debugDump, RESTART_TIMEOUT_MS, startFaultCluster } from './setup.js';

/**
 * Scenario 2: SIGKILL the __meta leader while a CreateTopics request is in flight (sent through
 * another node, which forwards it). Either the request fails cleanly (an error, within a bound) or
 * the topic exists — and whenever it exists, every node agrees on it and every partition has a
 * live leader and takes an acks=all write. Repeated ROUNDS times with different kill timings.
 */
const ROUNDS = 3;
const PARTITIONS = 6;
const UNKNOWN_TOPIC_OR_PARTITION = 3;

let cluster: ProcessCluster;

beforeAll(async () => {
  cluster = await startFaultCluster(3);
}, 120_000);

afterAll(async () => {
  debugDump(cluster);
  await cluster?.stop();
});

interface TopicView {
  readonly exists: boolean;
  readonly leaders: number[];
  readonly replicas: number[][];
}

async function topicOn(node: number, topic: string): Promise<TopicView> {
  const port = (cluster.nodes[node] as { kafkaPort: number }).kafkaPort;
  const r = await kafkaRequest(port, ApiKey.Metadata, 9, { topics: [{ name: topic, topicId: 'AAAAAAAAAAAAAAAAAAAAAA' }], allowAutoTopicCreation: false });
  const t = r.topics[0];
  if (t === undefined || t.errorCode === UNKNOWN_TOPIC_OR_PARTITION) return { exists: false, leaders: [], replicas: [] };
  expect(t.errorCode, `Metadata error for ${topic} on node ${node}`).toBe(0);
  const parts = [...t.partitions].sort((a, b) => a.partitionIndex - b.partitionIndex);
  return { exists: true, leaders: parts.map((p) => p.leaderId), replicas: parts.map((p) => [...p.replicaNodes].sort()) };
}

async function produceToEach(topic: string): Promise<void> {
  const producer = new Kafka({ brokers: cluster.brokers, clientId: 'meta-kill', logLevel: logLevel.NOTHING, retry: { retries: 20, initialRetryTime: 100, maxRetryTime: 1_000 } }).producer();
  await producer.connect();
  try {
    for (let p = 0; p < PARTITIONS; p++) await producer.send({ topic, acks: -1, messages: [{ value: `probe-${p}`, partition: p }] });
  } finally {
    await producer.disconnect();
  }
}

describe('fault: kill the __meta leader during CreateTopics', () => {
  it(`either fails cleanly or creates a fully led topic, over ${ROUNDS} rounds`, async () => {
    const outcomes: string[] = [];
    for (let round = 0; round < ROUNDS; round++) {
      const topic = `created-${round}`;
      const metaLeader = await currentMetaLeader(cluster);
      const via = [0, 1, 2].find((id) => id !== metaLeader) as number;
      const admin = new Kafka({ brokers: [cluster.broker(via)], clientId: 'meta-kill-admin', logLevel: logLevel.NOTHING, retry: { retries: 3, initialRetryTime: 200 }, requestTimeout: 15_000 }).admin();
      await admin.connect();
      const created = admin.createTopics({ topics: [{ topic, numPartitions: PARTITIONS, replicationFactor: 3 }], waitForLeaders: false, timeout: 10_000 })
        .then(() => 'created', (err: unknown) => `failed: ${err instanceof Error ? err.message : String(err)}`);
      // Vary where in the request's life the kill lands: at once, after one and after two event-loop turns.
      for (let t = 0; t < round; t++) await new Promise((resolve) => setImmediate(resolve));
      await cluster.kill(metaLeader);
      const outcome = await created;
      await admin.disconnect();
      await cluster.restart(metaLeader, RESTART_TIMEOUT_MS);
      await waitAllInSync(cluster, 60_000);

      const existence = await Promise.all([0, 1, 2].map((id) => topicOn(id, topic)));
      const exists = existence[0]?.exists === true;
      outcomes.push(`${topic}: meta leader ${metaLeader} killed, request via ${via}: ${outcome}; exists=${exists}`);
      for (const v of existence) expect(v.exists, `all nodes agree whether ${topic} exists`).toBe(exists);
      if (outcome === 'created') expect(exists, `${topic} acknowledged but missing`).toBe(true);
      if (!exists) continue;
      // Writable everywhere first (the client retries while leaders settle), then every node's view
      // must name a live leader for every partition and the full replica set.
      await produceToEach(topic);
      for (const id of [0, 1, 2]) {
        const v = await topicOn(id, topic);
        expect(v.leaders, `${topic} on node ${id}`).toHaveLength(PARTITIONS);
        for (const leader of v.leaders) expect(leader, `${topic} on node ${id}: a partition without a leader`).toBeGreaterThanOrEqual(0);
        for (const replicas of v.replicas) expect(replicas).toEqual([0, 1, 2]);
      }
    }
    console.log(`[faults] meta-kill:\n  ${outcomes.join('\n  ')}`);
  }, 240_000);
});
