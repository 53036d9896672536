import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { formatReport } from '../../tools/soak/checker.js';
import { createTopic, finishAndCheck } from '../../tools/soak/harness.js';
import { Workload } from '../../tools/soak/workload.js';
import type { ProcessCluster } from '../helpers/process-cluster.js';
import { CLI, debugDump, RESTART_TIMEOUT_MS, startFaultCluster } from './setup.js';

/**
 * Scenario 4: SIGKILL all three nodes at the same instant under acks=all load, restart them all:
 * every acknowledged message is there (acks=all means fsynced on a majority before the ack), with
 * no duplicates, no reordering and identical replicas.
 */
const TOPIC = 'kill-all';
const PARTITIONS = 3;

let cluster: ProcessCluster;

beforeAll(async () => {
  cluster = await startFaultCluster(3);
}, 120_000);

afterAll(async () => {
  debugDump(cluster);
  await cluster?.stop();
});

describe('fault: kill every node at once', () => {
  it('keeps every acknowledged write across a whole-cluster SIGKILL and restart', async () => {
    await createTopic(cluster.brokers, TOPIC, PARTITIONS, 3);
    const workload = new Workload({
      brokers: cluster.brokers, topic: TOPIC, partitions: PARTITIONS,
      kafkajsProducers: 2, confluentProducers: 1, batchSize: 20, padBytes: 100,
      maxMessagesPerProducer: 200_000, consumers: 0,
    });
    await workload.start();
    await workload.waitForAcks(2_000, 30_000);
    await Promise.all(cluster.nodes.map((n) => cluster.kill(n.id)));
    const ackedBeforeCrash = workload.acked.length;
    await Promise.all(cluster.nodes.map((n) => cluster.restart(n.id, RESTART_TIMEOUT_MS)));
    // Producing resumes once the restarted cluster has elected leaders again.
    await workload.waitForAcks(ackedBeforeCrash + 500, 60_000);
    const report = await finishAndCheck(cluster, workload, { cli: CLI, topic: TOPIC, partitions: PARTITIONS, requireComplete: true });
    console.log(`[faults] kill-all (acked before the crash: ${ackedBeforeCrash}): ${formatReport(report)}`);
    expect(report.ok, formatReport(report)).toBe(true);
    expect([...workload.ackedByProducer().keys()].sort()).toEqual(['kjs0', 'kjs1', 'rdk0']);
  }, 180_000);
});
