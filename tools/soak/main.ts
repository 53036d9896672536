#!/usr/bin/env node
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { ProcessCluster } from '../../test/helpers/process-cluster.js';
import { formatReport } from './checker.js';
import { FAULTS, type FaultResult } from './faults.js';
import { createTopic, finishAndCheck, percentile, waitAllInSync } from './harness.js';
import { Workload } from './workload.js';

/**
 * `npm run soak -- --minutes N --seed S`: a real 3-node cluster under acks=all load from kafkajs and
 * confluent-kafka idempotent producers plus a consumer group, random faults from the menu for N
 * minutes (seeded), then the checker. Prints one line per fault and a summary table; exits 1 when
 * the checker finds any violation.
 */
interface SoakArgs {
  readonly minutes: number;
  readonly seed: number;
  readonly nodes: number;
  readonly behindMiB: number;
  readonly faults: readonly string[];
}

const PAD_BYTES = 1_000;
const TOPIC = 'soak';
const PARTITIONS = 3;
const GROUP = 'soak-group';
const RECOVERY_BOUND_MS = 120_000;

function parse(argv: readonly string[]): SoakArgs {
  const { values } = parseArgs({
    args: [...argv],
    options: {
      minutes: { type: 'string', default: '5' },
      seed: { type: 'string', default: String(Date.now() % 1_000_000) },
      nodes: { type: 'string', default: '3' },
      'behind-mib': { type: 'string', default: '100' },
      faults: { type: 'string', default: Object.keys(FAULTS).join(',') },
    },
  });
  const faults = (values.faults ?? '').split(',').filter((f) => f.length > 0);
  for (const f of faults) if (FAULTS[f] === undefined) throw new Error(`unknown fault '${f}' (known: ${Object.keys(FAULTS).join(', ')})`);
  return { minutes: Number(values.minutes), seed: Number(values.seed), nodes: Number(values.nodes), behindMiB: Number(values['behind-mib']), faults };
}

/** mulberry32: a small seeded PRNG so that a seed replays the same fault schedule. */
function seeded(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
}

async function main(): Promise<number> {
  const args = parse(process.argv.slice(2));
  const cli = resolve(import.meta.dirname, '../../src/cli/main.js');
  console.log(`soak: ${args.minutes} min, seed ${args.seed}, ${args.nodes} nodes, faults ${args.faults.join(',')}`);
  const cluster = await ProcessCluster.start({
    nodes: args.nodes, cli, startTimeoutMs: 90_000,
    extraArgs: ['--set', 'admin.faults.enable=true', '--set', 'group.initial.rebalance.delay.ms=0', '--set', 'offsets.topic.num.partitions=3', '--set', `log.segment.bytes=${64 * 1024 * 1024}`],
  });
  try {
    return await soak(cluster, cli, args);
  } finally {
    await cluster.stop();
  }
}

async function soak(cluster: ProcessCluster, cli: string, args: SoakArgs): Promise<number> {
  await createTopic(cluster.brokers, TOPIC, PARTITIONS, Math.min(3, args.nodes));
  const workload = new Workload({
    brokers: cluster.brokers, topic: TOPIC, partitions: PARTITIONS,
    kafkajsProducers: 2, confluentProducers: 1, batchSize: 25, padBytes: PAD_BYTES,
    maxMessagesPerProducer: 10_000_000, consumers: 2, groupId: GROUP,
  });
  await workload.start();
  await workload.waitForAcks(500, 60_000);
  const random = seeded(args.seed);
  const endAt = performance.now() + args.minutes * 60_000;
  const behindMessages = Math.ceil((args.behindMiB * 1024 * 1024) / PAD_BYTES);
  const rows: { fault: FaultResult; recoveryMs: number | undefined }[] = [];
  while (performance.now() < endAt) {
    const name = args.faults[Math.floor(random() * args.faults.length)] as string;
    const fault = await (FAULTS[name] as NonNullable<(typeof FAULTS)[string]>)({ cluster, workload, cli, topic: TOPIC, partitions: PARTITIONS, random, restartTimeoutMs: 90_000, behindMessages });
    const recoveredAt = await workload.waitForAckOn(fault.partition, fault.at, RECOVERY_BOUND_MS).catch(() => undefined);
    await waitAllInSync(cluster, RECOVERY_BOUND_MS).catch((err: unknown) => console.log(`  (not all in sync: ${String(err)})`));
    const recoveryMs = recoveredAt === undefined ? undefined : recoveredAt - fault.at;
    rows.push({ fault, recoveryMs });
    console.log(`fault ${rows.length}: ${fault.name} ${fault.detail}; first ack on partition ${fault.partition} after ${recoveryMs === undefined ? 'NONE within bound' : `${recoveryMs.toFixed(0)} ms`}; acked so far ${workload.acked.length}`);
  }
  const report = await finishAndCheck(cluster, workload, { cli, topic: TOPIC, partitions: PARTITIONS, groupId: GROUP, requireComplete: true, inSyncTimeoutMs: RECOVERY_BOUND_MS });
  printSummary(rows, workload, formatReport(report), report);
  return report.ok ? 0 : 1;
}

function printSummary(rows: readonly { fault: FaultResult; recoveryMs: number | undefined }[], workload: Workload, text: string, r: { acknowledged: number; lost: number; duplicated: number; reordered: number }): void {
  const byName = new Map<string, number[]>();
  for (const row of rows) {
    const list = byName.get(row.fault.name) ?? [];
    if (row.recoveryMs !== undefined) list.push(row.recoveryMs);
    byName.set(row.fault.name, list);
  }
  console.log('\n| fault | count | recovery p50 ms | recovery max ms |\n|---|---|---|---|');
  for (const [name, list] of byName) {
    const count = rows.filter((x) => x.fault.name === name).length;
    console.log(`| ${name} | ${count} | ${percentile(list, 50).toFixed(0)} | ${list.length === 0 ? '-' : Math.max(...list).toFixed(0)} |`);
  }
  console.log(`\n| faults injected | acknowledged | lost | duplicated | reordered | failed sends |\n|---|---|---|---|---|---|\n| ${rows.length} | ${r.acknowledged} | ${r.lost} | ${r.duplicated} | ${r.reordered} | ${workload.failedSends} |`);
  console.log(`\nchecker: ${text}`);
}

main().then(
  (code) => process.exit(code),
  (err: unknown) => {
    console.error('soak failed:', err);
    process.exit(2);
  },
);
