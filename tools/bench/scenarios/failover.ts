/**
 * Leader SIGKILL -> first acked produce on the new leader (kafkajs, acks=all, 1 partition RF 3).
 * After each kill the node is restarted and, before the next round, the partition must be back to
 * a full ISR: the bench asks Metadata with a bounded back-off, as a Kafka operator's tooling would,
 * since the protocol has no push notification for that.
 */
import type { Admin } from 'kafkajs';
import type { BenchCluster } from './cluster.js';
import { BenchError } from './errors.js';
import { kafkaClient, withAdmin, withProducer } from './kafka.js';
import { measured } from './measure.js';
import { raftLeader } from './raft-leader.js';
import { round3, summarise } from './stats.js';
import type { ScenarioResult } from './types.js';

const ISR_WAIT_MS = 30_000;
const ISR_BACKOFF_MS = 100;
const SEND_DEADLINE_MS = 30_000;

interface PartitionState {
  leader: number;
  isr: number[];
}

async function partitionState(admin: Admin, topic: string): Promise<PartitionState | undefined> {
  const meta = await admin.fetchTopicMetadata({ topics: [topic] });
  const p = meta.topics[0]?.partitions.find((x) => x.partitionId === 0);
  return p === undefined ? undefined : { leader: p.leader, isr: p.isr };
}

async function waitFullIsr(admin: Admin, topic: string, replicas: number): Promise<PartitionState> {
  const deadline = performance.now() + ISR_WAIT_MS;
  for (let attempt = 0; performance.now() < deadline; attempt++) {
    const state = await partitionState(admin, topic).catch(() => undefined);
    if (state !== undefined && state.leader >= 0 && state.isr.length >= replicas) return state;
    await new Promise((r) => setTimeout(r, ISR_BACKOFF_MS));
  }
  throw new BenchError(`partition ${topic}-0 did not get back to ${replicas} in-sync replicas within ${ISR_WAIT_MS} ms`);
}

export function leaderFailover(
  cluster: BenchCluster,
  o: { name: string; title: string; topic: string; rounds: number },
): Promise<ScenarioResult> {
  const params = { topic: o.topic, rounds: o.rounds, acks: 'all', replicationFactor: cluster.nodes.length };
  const kafka = kafkaClient(cluster.brokers, 'chronik-bench-failover', 50);
  return measured(cluster, { name: o.name, title: o.title, client: 'kafkajs', params }, () =>
    withAdmin(kafka, (admin) => withProducer(kafka, async (producer) => {
      const value = Buffer.alloc(1024, 0x63);
      const lats: number[] = [];
      const leaders: number[] = [];
      let metadataDisagreed = 0;
      for (let round = 0; round < o.rounds; round++) {
        const state = await waitFullIsr(admin, o.topic, cluster.nodes.length);
        await producer.send({ topic: o.topic, acks: -1, messages: [{ value }] });
        // Kill the Raft leader itself; fall back to Metadata's answer when no admin view has one.
        const leader = (await raftLeader(cluster, o.topic, 0)) ?? state.leader;
        if (leader !== state.leader) metadataDisagreed++;
        const t0 = performance.now();
        await cluster.kill(leader);
        await sendUntilAcked(() => producer.send({ topic: o.topic, acks: -1, messages: [{ value }] }));
        lats.push(performance.now() - t0);
        leaders.push(leader);
        await cluster.restart(leader);
      }
      return {
        client: 'kafkajs', params, messages: o.rounds, bytes: 0, seconds: round3(lats.reduce((a, b) => a + b, 0) / 1000), msgsPerSec: 0, mbPerSec: 0,
        latency: summarise(lats),
        latencyOverTime: lats.map((l, i) => ({ tMs: i, count: 1, p50Ms: round3(l), p99Ms: round3(l) })),
        extra: { killedLeaders: leaders, metadataLeaderDisagreedWithRaft: metadataDisagreed, overTimeAxis: 'round' },
      };
    })));
}

/** kafkajs gives up after its own retries; keep asking until the bound. */
async function sendUntilAcked(send: () => Promise<unknown>): Promise<void> {
  const deadline = performance.now() + SEND_DEADLINE_MS;
  let last: unknown;
  while (performance.now() < deadline) {
    try {
      await send();
      return;
    } catch (err) {
      last = err;
      // Back-off between kafkajs's own retry rounds (a timer for backoff, not for synchronisation).
      await new Promise((r) => setTimeout(r, 20));
    }
  }
  throw new BenchError(`no acked produce within ${SEND_DEADLINE_MS} ms of the kill`, { cause: last });
}
