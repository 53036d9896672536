#!/usr/bin/env node
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { Kafka, logLevel, type Producer } from 'kafkajs';
import { ProcessCluster } from '../../test/helpers/process-cluster.js';
import { raftGroups } from './admin-client.js';
import { createTopic, partitionLeader, percentile, waitAllInSync } from './harness.js';
import { failoverPhases, PHASES, type PhaseTimes } from './phases.js';

/**
 * `node dist/tools/soak/failover-phases-main.js [--rounds N] [--nodes N]`: where a leader failover's
 * time goes. Runs a cluster of real nodes at debug log level, and per round: one acked produce,
 * SIGKILL of the partition's Raft leader, produce until acked, restart. Prints, per round and as
 * p50/max, the time from the kill to each phase (first log line on any survivor: connection
 * lost, leader forgotten, campaign, Raft leader, serving, LeaderElected committed, and the __meta
 * takeover when the killed node also led __meta) and to the client's ack. A diagnostic, not a
 * benchmark: debug logging costs a little time itself.
 */
const TOPIC = 'phases';
const SEND_DEADLINE_MS = 30_000;
const IN_SYNC_TIMEOUT_MS = 60_000;

async function main(): Promise<void> {
  const { values } = parseArgs({ options: { rounds: { type: 'string', default: '5' }, nodes: { type: 'string', default: '3' } } });
  const rounds = Number(values.rounds);
  const nodes = Number(values.nodes);
  const cli = resolve(import.meta.dirname, '../../src/cli/main.js');
  const cluster = await ProcessCluster.start({ nodes, cli, extraArgs: ['--log-level', 'debug'], startTimeoutMs: 90_000 });
  const kafka = new Kafka({
    brokers: cluster.brokers, clientId: 'failover-phases', logLevel: logLevel.NOTHING,
    retry: { initialRetryTime: 20, maxRetryTime: 50, retries: 30, factor: 0.2, multiplier: 1.5 },
  });
  const producer = kafka.producer();
  try {
    await createTopic(cluster.brokers, TOPIC, 1, Math.min(3, nodes));
    await producer.connect();
    const rows: Array<PhaseTimes & { acked: number; killed: number }> = [];
    for (let round = 0; round < rounds; round++) {
      await waitAllInSync(cluster, IN_SYNC_TIMEOUT_MS);
      await send(producer);
      const { leader } = await partitionLeader(cluster, TOPIC, 0);
      const groupId = (await raftGroups(await cluster.adminPort(leader))).find((g) => g.topic === TOPIC)?.groupId ?? '';
      const killedAtMs = Date.now();
      await cluster.kill(leader);
      await sendUntilAcked(producer);
      const acked = Date.now() - killedAtMs;
      const survivors = cluster.nodes.filter((n) => n.id !== leader).map((n) => n.lines);
      rows.push({ ...failoverPhases(survivors, { killed: leader, killedAtMs, groupId, topic: TOPIC, partition: 0 }), acked, killed: leader });
      console.log(`round ${round}: killed node ${leader}: ${format(rows.at(-1) ?? { acked })}`);
      await cluster.restart(leader, 60_000);
    }
    for (const p of [...PHASES, 'acked'] as const) {
      const xs = rows.map((r) => r[p]).filter((x): x is number => x !== undefined);
      console.log(`${p.padEnd(11)} n=${xs.length} p50=${percentile(xs, 50)} max=${xs.length === 0 ? NaN : Math.max(...xs)}`);
    }
  } finally {
    await producer.disconnect().catch(() => undefined);
    await cluster.stop();
  }
}

function format(r: PhaseTimes & { acked: number }): string {
  return [...PHASES, 'acked' as const].map((p) => `${p}=${r[p] ?? '-'}`).join(' ');
}

async function send(producer: Producer): Promise<void> {
  await producer.send({ topic: TOPIC, acks: -1, messages: [{ value: 'x' }] });
}

/** kafkajs gives up after its own retries; keep asking until the bound (backoff between rounds). */
async function sendUntilAcked(producer: Producer): Promise<void> {
  const deadline = performance.now() + SEND_DEADLINE_MS;
  while (performance.now() < deadline) {
    try {
      await send(producer);
      return;
    } catch {
      await new Promise((r) => setTimeout(r, 20));
    }
  }
  throw new Error(`no acked produce within ${SEND_DEADLINE_MS} ms of the kill`);
}

main().catch((err: unknown) => {
  console.error(err);
  process.exitCode = 1;
});
