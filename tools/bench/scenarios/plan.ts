/**
 * The order of the run: a single-node cluster for the 1-node scenarios, then a 3-node cluster
 * (failover last, since it kills nodes). Each cluster gets fresh data directories.
 */
import { mkdir } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import type { Logger } from 'pino';
import { restartCatchup } from './catchup.js';
import { BenchCluster } from './cluster.js';
import { consumeLibrdkafka } from './consume.js';
import { topicCreateToProduce } from './create.js';
import { e2eClient, endToEnd } from './e2e.js';
import { leaderFailover } from './failover.js';
import { createTopic, kafkaClient } from './kafka.js';
import type { BenchOptions, ScenarioName } from './options.js';
import { produceKafkajs, produceLibrdkafka } from './produce.js';
import { scaleSettle } from './scale.js';
import type { ScenarioResult } from './types.js';
import { buildCConsumer, type LoadGenerator } from './cproducer.js';
import { KIB } from './types.js';

export interface PlanContext {
  opts: BenchOptions;
  scratch: string;
  /** Where broker CPU profiles go (with --cpu-prof). */
  profileDir: string;
  log: Logger;
  progress: (text: string) => void;
  record: (s: ScenarioResult) => void;
  results: readonly ScenarioResult[];
  /** The librdkafka load generator of the produce scenarios, built on first use. */
  generator: () => Promise<LoadGenerator>;
}

const PARTITIONS = 6;
/** librdkafka linger for the throughput runs (the 5–20 ms range). */
const LINGER_MS = 10;

function wants(ctx: PlanContext, ...names: ScenarioName[]): boolean {
  return names.some((n) => ctx.opts.only.has(n));
}

async function withCluster(ctx: PlanContext, nodes: number, fn: (c: BenchCluster) => Promise<void>, label = `${nodes}n`): Promise<void> {
  const nodeFlags: string[] = [];
  if (ctx.opts.cpuProf) {
    // Absolute: a broker runs with its data directory as cwd, where a relative --cpu-prof-dir
    // would land (and be deleted with the scratch directory).
    const dir = resolve(ctx.profileDir, label);
    await mkdir(dir, { recursive: true });
    nodeFlags.push('--cpu-prof', `--cpu-prof-dir=${dir}`);
  }
  ctx.progress(`starting ${nodes}-node cluster`);
  const cluster = await BenchCluster.start({ nodes, root: join(ctx.scratch, label), nodeFlags });
  try {
    await fn(cluster);
  } finally {
    ctx.progress(`stopping ${nodes}-node cluster`);
    await cluster.stop();
  }
}

async function step(ctx: PlanContext, name: string, fn: () => Promise<ScenarioResult>): Promise<void> {
  ctx.progress(name);
  const r = await fn();
  if (r.error !== undefined) ctx.log.warn({ scenario: name, error: r.error }, 'scenario failed');
  ctx.record(r);
}

export async function runSingleNode(ctx: PlanContext): Promise<void> {
  if (!wants(ctx, 'produce-1n', 'produce-1n-kafkajs', 'consume-1n', 'produce-1n-acks0')) return;
  const o = ctx.opts;
  await withCluster(ctx, 1, async (cluster) => {
    const kafka = kafkaClient(cluster.brokers, 'chronik-bench-admin');
    await createTopic(kafka, 'bench-1n', PARTITIONS, 1);
    if (wants(ctx, 'produce-1n', 'consume-1n')) {
      await step(ctx, 'produce-1n', async () => produceLibrdkafka(cluster, {
        name: 'produce-1n', title: 'produce, 1 node, acks=all, 1 KiB, 6 partitions', topic: 'bench-1n', messageBytes: KIB, durationS: o.produceS, acks: 'all', lingerMs: LINGER_MS,
      }, await ctx.generator()));
    }
    if (wants(ctx, 'consume-1n')) {
      await step(ctx, 'consume-1n', async () => consumeLibrdkafka(cluster, { name: 'consume-1n', title: 'catch-up consume from the start, 1 node', topic: 'bench-1n', partitions: PARTITIONS, expected: producedCount(ctx, 'produce-1n'), timeoutS: 180 }, await consumerFor(ctx)));
    }
    if (wants(ctx, 'produce-1n-kafkajs')) {
      await createTopic(kafka, 'bench-1n-kafkajs', PARTITIONS, 1);
      await step(ctx, 'produce-1n-kafkajs', () => produceKafkajs(cluster, {
        name: 'produce-1n-kafkajs', title: 'produce, 1 node, acks=all, 1 KiB, kafkajs', topic: 'bench-1n-kafkajs', messageBytes: KIB, durationS: o.kafkajsS, batchMessages: 500, window: 8,
      }));
    }
    if (wants(ctx, 'produce-1n-acks0')) {
      // The same client without waiting for the broker: what this client reaches on this machine
      // at all, so produce-1n can be read against it (a Python producer of 1 KiB messages is
      // CPU-bound in the interpreter long before a broker is). Last on this cluster: the RSS an
      // acks=0 flood leaves behind would otherwise show in the scenarios after it.
      await createTopic(kafka, 'bench-1n-acks0', PARTITIONS, 1);
      await step(ctx, 'produce-1n-acks0', async () => produceLibrdkafka(cluster, {
        name: 'produce-1n-acks0', title: 'client ceiling: produce, 1 node, acks=0, 1 KiB, 6 partitions', topic: 'bench-1n-acks0', messageBytes: KIB, durationS: o.produceS, acks: 0, lingerMs: LINGER_MS,
      }, await ctx.generator()));
    }
  });
}

export async function runThreeNode(ctx: PlanContext): Promise<void> {
  await runSharedThreeNode(ctx);
  // Each on a fresh cluster of its own: 1,000 partitions, or 1 GB in one partition, would change
  // what the scenarios above measure, and both kill a node.
  if (wants(ctx, 'scale-3n')) {
    await withCluster(ctx, 3, (c) => step(ctx, 'scale-3n', () => scaleSettle(c, {
      name: 'scale-3n', title: 'scale: 1,000 partitions RF 3 (100 topics x 10): settle, idle CPU, Metadata latency', topics: 100, partitionsPerTopic: 10, prefix: 'bench-scale', idleS: ctx.opts.idleS, metadataRequests: 50, settleTimeoutMs: 120_000,
    })), '3n-scale');
  }
  if (wants(ctx, 'restart-catchup-3n')) {
    await withCluster(ctx, 3, async (c) => {
      await createTopic(kafkaClient(c.brokers, 'chronik-bench-admin'), 'bench-catchup', 1, 3);
      await step(ctx, 'restart-catchup-3n', () => restartCatchup(c, { name: 'restart-catchup-3n', title: `follower restart -> caught up on ${ctx.opts.catchupMib} MiB, 1 partition RF 3`, topic: 'bench-catchup', mib: ctx.opts.catchupMib, timeoutS: 600 }));
    }, '3n-catchup');
  }
}

async function runSharedThreeNode(ctx: PlanContext): Promise<void> {
  if (!wants(ctx, 'produce-3n', 'consume-3n', 'e2e-3n', 'create-3n', 'failover-3n')) return;
  const o = ctx.opts;
  await withCluster(ctx, 3, async (cluster) => {
    const kafka = kafkaClient(cluster.brokers, 'chronik-bench-admin');
    if (wants(ctx, 'produce-3n', 'consume-3n')) {
      await createTopic(kafka, 'bench-3n', PARTITIONS, 3);
      await step(ctx, 'produce-3n', async () => produceLibrdkafka(cluster, {
        name: 'produce-3n', title: 'produce, 3 nodes RF 3, acks=all, 1 KiB, 6 partitions', topic: 'bench-3n', messageBytes: KIB, durationS: o.produceS, acks: 'all', lingerMs: LINGER_MS,
      }, await ctx.generator()));
    }
    if (wants(ctx, 'consume-3n')) {
      await step(ctx, 'consume-3n', async () => consumeLibrdkafka(cluster, { name: 'consume-3n', title: 'catch-up consume from the start, 3 nodes', topic: 'bench-3n', partitions: PARTITIONS, expected: producedCount(ctx, 'produce-3n'), timeoutS: 180 }, await consumerFor(ctx)));
    }
    if (wants(ctx, 'e2e-3n')) {
      await createTopic(kafka, 'bench-e2e', PARTITIONS, 3);
      await step(ctx, 'e2e-3n', async () => endToEnd(cluster, { name: 'e2e-3n', title: `end-to-end latency at ${o.e2eRate} msg/s, 3 nodes RF 3`, topic: 'bench-e2e', partitions: PARTITIONS, rate: o.e2eRate, durationS: o.e2eS, warmupS: o.e2eWarmupS, messageBytes: KIB }, await e2eClient(o.producer, join(ctx.scratch, 'bin'))));
    }
    if (wants(ctx, 'create-3n')) {
      await step(ctx, 'create-3n', () => topicCreateToProduce(cluster, { name: 'create-3n', title: 'topic create -> first acked produce (3 partitions, RF 3)', topics: o.topics, partitions: 3, replicationFactor: 3, prefix: 'bench-create' }));
    }
    if (wants(ctx, 'failover-3n')) {
      await createTopic(kafka, 'bench-failover', 1, 3);
      await step(ctx, 'failover-3n', () => leaderFailover(cluster, { name: 'failover-3n', title: 'leader SIGKILL -> first acked produce on the new leader', topic: 'bench-failover', rounds: o.failovers }));
    }
  });
}

/** The catch-up consumer: C unless `--producer python` asked for the Python clients (compiled before the clock starts). */
function consumerFor(ctx: PlanContext): Promise<LoadGenerator> {
  return ctx.opts.producer === 'python' ? Promise.resolve({ kind: 'python', reason: '--producer python' }) : buildCConsumer(join(ctx.scratch, 'bin'));
}

/** Messages the produce scenario acked: the consumer stops once it has read that many. */
function producedCount(ctx: PlanContext, name: string): number {
  return Math.max(1, ctx.results.find((r) => r.name === name)?.messages ?? 1);
}
