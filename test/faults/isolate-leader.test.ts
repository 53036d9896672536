import { Kafka, logLevel } from 'kafkajs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { healLinks, raftGroups, setLinkFault } from '../../tools/soak/admin-client.js';
import { encodeValue, formatReport } from '../../tools/soak/checker.js';
import { createTopic, finishAndCheck, partitionLeader } from '../../tools/soak/harness.js';
import { Workload } from '../../tools/soak/workload.js';
import type { ProcessCluster } from '../helpers/process-cluster.js';
import { CLI, debugDump, startFaultCluster } from './setup.js';

/**
 * Scenario 5: cut the partition leader off from both followers with link faults (admin route,
 * both directions). It must step down by itself (check-quorum), the majority elects a new leader
 * that takes the load, and nothing a client sends to the old leader after the cut is acknowledged.
 * After healing, the old leader's uncommitted tail is replaced: all logs end up identical.
 *
 * The workload's clients bootstrap through the majority side; the second test bootstraps through
 * the isolated node alone.
 */
const TOPIC = 'isolate';
/** Check-quorum steps down after one election timeout (10 ticks of 100 ms, randomised up to 2x). */
const STEP_DOWN_BOUND_MS = 6_000;

let cluster: ProcessCluster;

beforeAll(async () => {
  cluster = await startFaultCluster(3);
}, 120_000);

afterAll(async () => {
  debugDump(cluster);
  await cluster?.stop();
});

/** Sends `batches` acks=all batches only to `broker`; returns how many were acknowledged. */
async function produceOnlyVia(broker: string, batches: number): Promise<number> {
  const kafka = new Kafka({ brokers: [broker], clientId: 'isolated', logLevel: logLevel.NOTHING, retry: { retries: 1, initialRetryTime: 100 }, requestTimeout: 2_500, connectionTimeout: 1_000 });
  const producer = kafka.producer({ retry: { retries: 1, initialRetryTime: 100 } });
  await producer.connect();
  let acked = 0;
  for (let b = 0; b < batches; b++) {
    const messages = Array.from({ length: 10 }, (_, i) => ({ value: encodeValue('iso', b * 10 + i, 32), partition: 0 }));
    await producer.send({ topic: TOPIC, acks: -1, timeout: 2_000, messages }).then(() => acked++, () => undefined);
  }
  await producer.disconnect().catch(() => undefined);
  return acked;
}

/** Bounded re-check of the old leader's role (the admin API offers no event for it). */
async function waitStepDown(adminPort: number, boundMs: number): Promise<{ role: string; term: number; lastIndex: number }> {
  const deadline = performance.now() + boundMs;
  for (;;) {
    const g = (await raftGroups(adminPort)).find((x) => x.topic === TOPIC && x.partition === 0);
    if (g !== undefined && g.role !== 'leader') return { role: g.role, term: g.term, lastIndex: g.lastIndex };
    if (performance.now() > deadline) throw new Error(`old leader still leader ${boundMs} ms after the cut (check-quorum)`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

describe('fault: leader isolated by link faults', () => {
  it('steps down (check-quorum), acknowledges nothing after the cut, and its uncommitted tail is replaced after healing', async () => {
    await createTopic(cluster.brokers, TOPIC, 1, 3);
    const before = await partitionLeader(cluster, TOPIC, 0);
    const old = before.leader;
    const majority = [0, 1, 2].filter((id) => id !== old);
    const workload = new Workload({
      brokers: majority.map((id) => cluster.broker(id)), topic: TOPIC, partitions: 1,
      kafkajsProducers: 2, confluentProducers: 0, batchSize: 20, padBytes: 64,
      maxMessagesPerProducer: 200_000, consumers: 0,
      // Few client retries: a send caught by the cut fails for good while its batch may still be
      // committed by the new leader, and kafkajs then reuses that batch's sequence for its next
      // records. The broker must write those, not answer them as a duplicate (docs/faults.md).
      kafkajsRetries: 2,
    });
    await workload.start();
    await workload.waitForAcks(500, 30_000);
    expect((await partitionLeader(cluster, TOPIC, 0)).leader, 'no election before the cut').toBe(old);
    const oldAdmin = await cluster.adminPort(old);
    for (const peer of [0, 1, 2].filter((id) => id !== old)) await setLinkFault(oldAdmin, { peer, direction: 'both', dropProbability: 1 });
    // Taken once both links are cut: a send started while the admin calls were in flight could
    // still be acknowledged by the old leader and pass for a failover of a few ms.
    const cutAt = performance.now();

    const isolatedAcks = produceOnlyVia(cluster.broker(old), 3);
    const failoverAt = await workload.waitForAckOn(0, cutAt, 20_000);
    const stepped = await waitStepDown(oldAdmin, STEP_DOWN_BOUND_MS);
    expect(await isolatedAcks).toBe(0);
    const views = await Promise.all(majority.map(async (id) => (await raftGroups(await cluster.adminPort(id))).find((g) => g.topic === TOPIC && g.partition === 0)));
    const newLeader = views.find((v) => v?.role === 'leader');
    expect(newLeader, 'a majority-side leader').toBeDefined();
    expect(newLeader?.term).toBeGreaterThan(before.term);
    await workload.waitForAcks(workload.acked.length + 300, 30_000);

    await healLinks(oldAdmin);
    const report = await finishAndCheck(cluster, workload, { cli: CLI, topic: TOPIC, partitions: 1, requireComplete: true });
    console.log(`[faults] isolate-leader: node ${old} cut; first ack on the new leader after ${(failoverAt - cutAt).toFixed(0)} ms; old leader stepped down to ${stepped.role} (its last index then ${stepped.lastIndex}); ${formatReport(report)}`);
    expect(report.ok, formatReport(report)).toBe(true);
  }, 180_000);

  // A node cut off from the quorum knows no newer leaders; a client connected only to it must be
  // sent to the others. It leaves itself out of its Metadata broker list once it has had no
  // __meta leader for three election timeouts (metadata.ts, cutOff): kafkajs then drops it and
  // asks the brokers it was told about, which name the new leader.
  it('a client connected only to the isolated old leader finds the new leader and is acknowledged there', async () => {
    const own = await startFaultCluster(3);
    try {
      const topic = 'isolate-stale';
      await createTopic(own.brokers, topic, 1, 3);
      const old = (await partitionLeader(own, topic, 0)).leader;
      const port = await own.adminPort(old);
      for (const peer of [0, 1, 2].filter((id) => id !== old)) await setLinkFault(port, { peer, direction: 'both', dropProbability: 1 });
      // A plain (non-idempotent) producer: InitProducerId needs __meta, which the isolated node
      // cannot reach, and refusing it there is fine. The majority elects a new leader within
      // seconds; the client should find it through the Metadata it is given.
      const producer = new Kafka({ brokers: [own.broker(old)], clientId: 'stale', logLevel: logLevel.NOTHING, retry: { retries: 20, initialRetryTime: 100, maxRetryTime: 1_000 } }).producer();
      await producer.connect();
      try {
        const [result] = await producer.send({ topic, acks: -1, messages: [{ value: encodeValue('stale', 0, 8), partition: 0 }] });
        expect(result?.errorCode).toBe(0);
      } finally {
        await producer.disconnect();
      }
      // Acknowledged by the majority side's new leader, not by the isolated node.
      const majority = [0, 1, 2].filter((id) => id !== old);
      const views = await Promise.all(majority.map(async (id) => (await raftGroups(await own.adminPort(id))).find((g) => g.topic === topic && g.partition === 0)));
      const leader = views.find((v) => v?.role === 'leader');
      expect(leader, 'a majority-side leader').toBeDefined();
      expect(leader?.lastIndex ?? 0).toBeGreaterThan(0);
    } finally {
      await own.stop();
    }
  }, 120_000);
});
