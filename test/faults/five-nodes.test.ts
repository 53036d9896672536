import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { formatReport } from '../../tools/soak/checker.js';
import { createTopic, finishAndCheck, partitionLeader, waitAllInSync } from '../../tools/soak/harness.js';
import { Workload } from '../../tools/soak/workload.js';
import type { ProcessCluster } from '../helpers/process-cluster.js';
import { CLI, debugDump, RESTART_TIMEOUT_MS, startFaultCluster } from './setup.js';

/**
 * Five nodes, an RF-5 and an RF-3 topic under acks=all load (kafkajs and confluent-kafka
 * idempotent producers). Two simultaneous SIGKILLs per round:
 * 1. the leader of an RF-5 partition and another node: the RF-5 partition fails over (3 of 5 are
 *    left); RF-3 partitions that had both victims among their replicas stall until the restart;
 * 2. two followers of an RF-5 partition: its leader keeps a majority and keeps acknowledging.
 * Then everything restarts and the checker must find nothing lost, duplicated or reordered, and
 * every replica's committed log identical.
 */
const RF5 = 'five-rf5';
const RF3 = 'five-rf3';
const IN_SYNC_TIMEOUT_MS = 60_000;
const ACK_TIMEOUT_MS = 20_000;

let cluster: ProcessCluster;

beforeAll(async () => {
  cluster = await startFaultCluster(5);
}, 120_000);

afterAll(async () => {
  debugDump(cluster);
  await cluster?.stop();
});

/** Kills both at once (as one host losing two processes would). */
async function killBoth(a: number, b: number): Promise<number> {
  const at = performance.now();
  await Promise.all([cluster.kill(a), cluster.kill(b)]);
  return at;
}

async function restartBoth(a: number, b: number): Promise<void> {
  await Promise.all([cluster.restart(a, RESTART_TIMEOUT_MS), cluster.restart(b, RESTART_TIMEOUT_MS)]);
}

describe('fault: five nodes, two killed at once', () => {
  it('an RF-5 partition fails over with its leader and another node dead, and rides out two dead followers; nothing lost', async () => {
    // Few partitions: the final comparison runs two `chronik inspect` processes per replica.
    await createTopic(cluster.brokers, RF5, 1, 5);
    await createTopic(cluster.brokers, RF3, 2, 3);
    const common = { brokers: cluster.brokers, batchSize: 20, padBytes: 64, maxMessagesPerProducer: 200_000, consumers: 0 };
    const five = new Workload({ ...common, topic: RF5, partitions: 1, kafkajsProducers: 1, confluentProducers: 1 });
    const three = new Workload({ ...common, topic: RF3, partitions: 2, kafkajsProducers: 1, confluentProducers: 0, namePrefix: 'rf3-' });
    await Promise.all([five.start(), three.start()]);
    await Promise.all([five.waitForAcks(300, 30_000), three.waitForAcks(200, 30_000)]);

    // Round 1: the RF-5 partition's leader and one more node.
    await waitAllInSync(cluster, IN_SYNC_TIMEOUT_MS);
    const { leader, term } = await partitionLeader(cluster, RF5, 0);
    const other = (leader + 2) % 5;
    const killedAt = await killBoth(leader, other);
    const ackedAt = await five.waitForAckOn(0, killedAt, ACK_TIMEOUT_MS);
    const next = await partitionLeader(cluster, RF5, 0);
    console.log(`[faults] five-nodes: killed leader ${leader} (term ${term}) and node ${other}; ${RF5}-0 failover ${(ackedAt - killedAt).toFixed(0)} ms, new leader ${next.leader} term ${next.term}`);
    expect(next.term).toBeGreaterThan(term);
    expect([leader, other]).not.toContain(next.leader);
    await restartBoth(leader, other);
    await Promise.all([five.waitForAcks(five.acked.length + 200, 30_000), three.waitForAcks(three.acked.length + 200, 30_000)]);

    // Round 2: two followers of the RF-5 partition; its leader still has 3 of 5 and keeps going.
    await waitAllInSync(cluster, IN_SYNC_TIMEOUT_MS);
    const lead = await partitionLeader(cluster, RF5, 0);
    const followers = [0, 1, 2, 3, 4].filter((id) => id !== lead.leader).slice(0, 2) as [number, number];
    const stoppedAt = await killBoth(...followers);
    const stillAt = await five.waitForAckOn(0, stoppedAt, ACK_TIMEOUT_MS);
    const same = await partitionLeader(cluster, RF5, 0);
    console.log(`[faults] five-nodes: killed followers ${followers.join(' and ')} of ${RF5}-0; next ack after ${(stillAt - stoppedAt).toFixed(0)} ms from leader ${same.leader} (term ${same.term})`);
    await restartBoth(...followers);
    await Promise.all([five.waitForAcks(five.acked.length + 200, 30_000), three.waitForAcks(three.acked.length + 200, 30_000)]);

    const checkFrom = performance.now();
    const report = await finishAndCheck(cluster, five, { cli: CLI, topic: RF5, partitions: 1, requireComplete: true, also: [{ workload: three, topic: RF3, partitions: 2 }] });
    console.log(`[faults] five-nodes: ${formatReport(report)} (final read and replica comparison ${((performance.now() - checkFrom) / 1000).toFixed(1)} s)`);
    expect(report.ok, formatReport(report)).toBe(true);
    expect([...five.ackedByProducer().keys(), ...three.ackedByProducer().keys()].sort()).toEqual(['kjs0', 'rdk0', 'rf3-kjs0']);
  }, 240_000);
});
