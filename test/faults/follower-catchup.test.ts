import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { formatReport } from '../../tools/soak/checker.js';
import { createTopic, finishAndCheck, partitionLeader } from '../../tools/soak/harness.js';
import { Workload } from '../../tools/soak/workload.js';
import type { ProcessCluster } from '../helpers/process-cluster.js';
import { CLI, debugDump, RESTART_TIMEOUT_MS, startFaultCluster } from './setup.js';

/**
 * Scenario 3: kill a follower, write BEHIND_BYTES more while it is down (across several 4 MiB
 * segments), restart it: it catches up and its log is identical to the leader's, frame for frame.
 * CI lets it fall 16 MiB behind; the soak runner's follower fault goes to 100 MiB.
 */
const TOPIC = 'catchup';
const PAD_BYTES = 4_000;
const BEHIND_BYTES = 16 * 1024 * 1024;

let cluster: ProcessCluster;

beforeAll(async () => {
  cluster = await startFaultCluster(3, ['--set', `log.segment.bytes=${4 * 1024 * 1024}`]);
}, 120_000);

afterAll(async () => {
  debugDump(cluster);
  await cluster?.stop();
});

describe('fault: a follower falls behind and catches up', () => {
  it(`catches up ${BEHIND_BYTES / 1024 / 1024} MiB after a restart with a log identical to the leader's`, async () => {
    await createTopic(cluster.brokers, TOPIC, 1, 3);
    const workload = new Workload({
      brokers: cluster.brokers, topic: TOPIC, partitions: 1,
      kafkajsProducers: 2, confluentProducers: 0, batchSize: 25, padBytes: PAD_BYTES,
      maxMessagesPerProducer: 100_000, consumers: 0,
    });
    await workload.start();
    await workload.waitForAcks(200, 30_000);
    const { leader } = await partitionLeader(cluster, TOPIC, 0);
    const follower = [0, 1, 2].find((id) => id !== leader) as number;
    await cluster.kill(follower);
    const behindMessages = Math.ceil(BEHIND_BYTES / PAD_BYTES);
    await workload.waitForAcks(workload.acked.length + behindMessages, 120_000);
    const restartedAt = performance.now();
    await cluster.restart(follower, RESTART_TIMEOUT_MS);
    await workload.waitForAcks(workload.acked.length + 200, 30_000);
    // finishAndCheck waits until the leader reports the follower's match at its last index, then
    // compares all three logs on disk over the whole committed range.
    const report = await finishAndCheck(cluster, workload, { cli: CLI, topic: TOPIC, partitions: 1, requireComplete: true, inSyncTimeoutMs: 90_000 });
    console.log(`[faults] follower-catchup (node ${follower}, ${behindMessages} messages ≈ ${(behindMessages * PAD_BYTES / 1024 / 1024).toFixed(0)} MiB behind, caught up within ${(performance.now() - restartedAt).toFixed(0)} ms of restart incl. checks): ${formatReport(report)}`);
    expect(report.ok, formatReport(report)).toBe(true);
  }, 240_000);
});
