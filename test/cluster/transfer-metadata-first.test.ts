import { Kafka, logLevel } from 'kafkajs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ApiKey } from '../../src/kafka/protocol/index.js';
import { buildRecordBatch } from '../../src/kafka/record-batch/index.js';
import { kafkaRequest } from '../helpers/kafka-request.js';
import { ProcessCluster } from '../helpers/process-cluster.js';

/**
 * A leadership transfer moves metadata first: the old leader commits the new leader to `__meta`
 * (and waits for every node to apply it) before it stops accepting. So at the first
 * NOT_LEADER_OR_FOLLOWER (6) the old leader L answers under a produce load, Metadata from every node
 * already names another leader with an epoch above L's. The transfer here is the leader balancer
 * handing the partition back to its preferred leader after that one restarted.
 */
let cluster: ProcessCluster;
const TOPIC = 'handover';
const PRODUCE_V = 9;
const NOT_LEADER_OR_FOLLOWER = 6;

beforeAll(async () => {
  cluster = await ProcessCluster.start({ nodes: 3, extraArgs: ['--set', 'leader.imbalance.check.interval.seconds=1', '--log-level', 'debug'] });
}, 60_000);

afterAll(async () => {
  await cluster?.stop();
});

function port(id: number): number {
  return Number(cluster.broker(id).split(':')[1]);
}

async function partitionInfo(id: number): Promise<{ node: number; errorCode: number; leader: number; epoch: number; replicas: number[] }> {
  const response = await kafkaRequest(port(id), ApiKey.Metadata, 9, { topics: [{ name: TOPIC, topicId: 'AAAAAAAAAAAAAAAAAAAAAA' }], allowAutoTopicCreation: false });
  const p = response.topics[0]?.partitions[0];
  return { node: id, errorCode: p?.errorCode ?? -1, leader: p?.leaderId ?? -1, epoch: p?.leaderEpoch ?? -1, replicas: p?.replicaNodes ?? [] };
}

async function produceOnce(id: number, n: number): Promise<number> {
  const response = await kafkaRequest(port(id), ApiKey.Produce, PRODUCE_V, {
    transactionalId: null,
    acks: -1,
    timeoutMs: 10_000,
    topicData: [{ name: TOPIC, partitionData: [{ index: 0, records: buildRecordBatch({ records: [{ value: Buffer.from(`m${n}`) }] }) }] }],
  });
  return response.responses[0]?.partitionResponses[0]?.errorCode ?? -1;
}

describe('leadership transfer, metadata first', () => {
  it('at the old leader\'s first NOT_LEADER_OR_FOLLOWER, every node\'s Metadata already names another leader at a higher epoch', async () => {
    const admin = new Kafka({ brokers: [cluster.broker(0)], clientId: 'handover', logLevel: logLevel.NOTHING }).admin();
    await admin.connect();
    await admin.createTopics({ topics: [{ topic: TOPIC, numPartitions: 1, replicationFactor: 3 }] });
    await admin.disconnect();
    const preferred = (await partitionInfo(0)).replicas[0] as number;

    // Leadership leaves the preferred leader through a failure…
    await cluster.kill(preferred);
    const survivors = [0, 1, 2].filter((id) => id !== preferred);
    const old = await Promise.any(survivors.map((id) => cluster.waitForLog(id, (l) => l.msg === 'LeaderElected committed' && l.topic === TOPIC, 30_000).then(() => id)));
    const before = await partitionInfo(old);
    expect(before.leader).toBe(old);
    const epoch = before.epoch;

    // …and comes back through a transfer once it is back and caught up, while we produce to the old leader.
    const restarted = cluster.restart(preferred);
    let acked = 0;
    let firstError = 0;
    const deadline = performance.now() + 60_000;
    for (let n = 0; firstError === 0 && performance.now() < deadline; n++) {
      const code = await produceOnce(old, n);
      if (code === 0) acked++;
      else firstError = code;
    }
    // Asked right after the first refusal, before anything else can happen on our side.
    const refusedAt = performance.now();
    const views = await Promise.all([0, 1, 2].map((id) => partitionInfo(id)));
    // A client that follows that metadata: how long until the new leader takes its produce.
    let gapMs = -1;
    for (let n = 0; performance.now() - refusedAt < 30_000; n++) {
      if ((await produceOnce(preferred, 1_000_000 + n)) === 0) {
        gapMs = performance.now() - refusedAt;
        break;
      }
    }
    await restarted;
    expect(firstError).toBe(NOT_LEADER_OR_FOLLOWER);
    expect(acked).toBeGreaterThan(0);
    for (const v of views) {
      expect(v.leader, `node ${v.node}: ${JSON.stringify(v)}`).not.toBe(old);
      expect(v.epoch, `node ${v.node}: ${JSON.stringify(v)}`).toBeGreaterThan(epoch);
      // Every node names the new leader; only the new leader itself may still say "not available"
      // (5) about itself in the moment between the metadata and winning its election.
      if (v.leader === -1) expect([v.node, v.errorCode]).toEqual([preferred, 5]);
      else expect(v.leader).toBe(preferred);
    }
    expect(gapMs).toBeGreaterThanOrEqual(0);
    console.info(`transfer: ${acked} produce requests acked by node ${old} at epoch ${epoch}; then ${JSON.stringify(views)}; new leader acked ${gapMs.toFixed(1)} ms after the first refusal`);

    // The new leader confirms itself.
    await cluster.waitForLog(preferred, (l) => l.msg === 'LeaderElected committed' && l.topic === TOPIC, 30_000);
    const after = await partitionInfo(old);
    expect(after).toMatchObject({ leader: preferred, errorCode: 0 });
  }, 150_000);
});
