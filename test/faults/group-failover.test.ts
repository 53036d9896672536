import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ApiKey } from '../../src/kafka/protocol/index.js';
import { formatReport } from '../../tools/soak/checker.js';
import { createTopic, finishAndCheck } from '../../tools/soak/harness.js';
import { Workload } from '../../tools/soak/workload.js';
import { kafkaRequest } from '../helpers/kafka-request.js';
import type { ProcessCluster } from '../helpers/process-cluster.js';
import { CLI, debugDump, RESTART_TIMEOUT_MS, startFaultCluster } from './setup.js';

/**
 * Scenario 7: a consumer group (two kafkajs members, auto-commit) consuming while its coordinator
 * is SIGKILLed: the coordinator moves to a survivor, no offset commit that was acknowledged is lost
 * (the group's final offsets are never below one) and, once the killed node is back, commits are
 * acknowledged and consumption continues.
 *
 * While the old coordinator is still down: kafkajs looks its coordinator up again only when it
 * joins (after a coordinator error code such as NOT_COORDINATOR, or after its consumer crashed and
 * restarted), and a dead coordinator sends no error code. So the members keep heartbeating and
 * committing to the dead broker until their retries are spent (one per ~5 s fetch round; with the
 * soak default of 25 that is minutes, and meanwhile their sessions expire on the new coordinator),
 * then restart, find the new coordinator and rejoin. The same holds against Apache Kafka: nothing a
 * broker can send reaches a client that only talks to the dead one. The second test runs the
 * members with 3 retries and checks that the new coordinator takes them back and acknowledges
 * their commits before the old one returns.
 */
const TOPIC = 'group-failover';
const GROUP = 'faults-group';
const PARTITIONS = 3;

let cluster: ProcessCluster;

beforeAll(async () => {
  cluster = await startFaultCluster(3);
}, 120_000);

afterAll(async () => {
  debugDump(cluster);
  await cluster?.stop();
});

async function coordinatorOf(port: number, group: string): Promise<number> {
  const r = await kafkaRequest(port, ApiKey.FindCoordinator, 3, { key: group, keyType: 0 });
  if (r.errorCode !== 0) throw new Error(`FindCoordinator: error ${r.errorCode}`);
  return r.nodeId;
}

/** Bounded re-check until FindCoordinator on a survivor names another node (no event to wait on). */
async function movedCoordinator(port: number, old: number): Promise<number> {
  const deadline = performance.now() + 30_000;
  for (;;) {
    const now = await coordinatorOf(port, GROUP).catch(() => old);
    if (now !== old) return now;
    if (performance.now() > deadline) throw new Error(`coordinator still ${old} 30 s after its SIGKILL`);
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

describe('fault: group coordinator failover', () => {
  it('keeps every acknowledged offset commit across a coordinator SIGKILL; commits and consumption resume once it is back', async () => {
    await createTopic(cluster.brokers, TOPIC, PARTITIONS, 3);
    const workload = new Workload({
      brokers: cluster.brokers, topic: TOPIC, partitions: PARTITIONS,
      kafkajsProducers: 1, confluentProducers: 1, batchSize: 20, padBytes: 64,
      maxMessagesPerProducer: 200_000, consumers: 2, groupId: GROUP,
    });
    await workload.start();
    await workload.waitForAcks(1_000, 30_000);
    await workload.waitForCommits(5, 60_000);
    const coordinator = await coordinatorOf((cluster.nodes[0] as { kafkaPort: number }).kafkaPort, GROUP);
    const consumedBefore = workload.consumers.reduce((n, c) => n + c.consumed, 0);
    const commitsBefore = workload.commitCount;
    await cluster.kill(coordinator);
    const survivor = [0, 1, 2].find((id) => id !== coordinator) as number;
    const newCoordinator = await movedCoordinator((cluster.nodes[survivor] as { kafkaPort: number }).kafkaPort, coordinator);
    await cluster.restart(coordinator, RESTART_TIMEOUT_MS);
    await workload.waitForCommits(commitsBefore + 5, 60_000);
    await workload.waitForAcks(workload.acked.length + 500, 30_000);
    await workload.waitForCommits(workload.commitCount + 3, 30_000);
    const consumedAfter = workload.consumers.reduce((n, c) => n + c.consumed, 0);
    expect(consumedAfter).toBeGreaterThan(consumedBefore);

    const report = await finishAndCheck(cluster, workload, { cli: CLI, topic: TOPIC, partitions: PARTITIONS, groupId: GROUP, requireComplete: true });
    console.log(`[faults] group-failover: coordinator ${coordinator} -> ${newCoordinator}; consumed ${consumedBefore} -> ${consumedAfter}; commits acknowledged ${workload.commitCount}; ${formatReport(report)}`);
    expect(report.ok, formatReport(report)).toBe(true);
  }, 180_000);

  it('commits are acknowledged by the new coordinator while the old one is still down (kafkajs members restart after 3 retries and rejoin there)', async () => {
    const own = await startFaultCluster(3);
    try {
      const topic = 'group-down';
      await createTopic(own.brokers, topic, PARTITIONS, 3);
      const workload = new Workload({
        brokers: own.brokers, topic, partitions: PARTITIONS, kafkajsProducers: 1, confluentProducers: 0,
        batchSize: 20, padBytes: 64, maxMessagesPerProducer: 200_000, consumers: 2, groupId: GROUP, consumerRetries: 3,
      });
      await workload.start();
      await workload.waitForCommits(5, 60_000);
      const coordinator = await coordinatorOf((own.nodes[0] as { kafkaPort: number }).kafkaPort, GROUP);
      const before = workload.commitCount;
      await own.kill(coordinator);
      const survivor = [0, 1, 2].find((id) => id !== coordinator) as number;
      const newCoordinator = await movedCoordinator((own.nodes[survivor] as { kafkaPort: number }).kafkaPort, coordinator);
      await workload.waitForCommits(before + 5, 90_000);
      // Still down: the commits above were acknowledged by the new coordinator.
      expect(own.isRunning(coordinator)).toBe(false);
      console.log(`[faults] group-failover (old coordinator down): coordinator ${coordinator} -> ${newCoordinator}; commits acknowledged ${before} -> ${workload.commitCount}`);
      await workload.stop();
    } finally {
      await own.stop();
    }
  }, 180_000);
});
