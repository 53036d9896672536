import { appendFile, readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { encodeFrameHeader } from '../../src/wal/frame.js';
import { healLinks, setLinkFault } from './admin-client.js';
import { currentMetaLeader, partitionLeader, runningNodes, type FaultCluster } from './harness.js';
import { partitionLogDir, readReplicaLog } from './replicas.js';
import type { Workload } from './workload.js';

/**
 * The soak runner's fault menu. Each fault is injected, held, then repaired; it returns what it did
 * and when the fault hit, so the runner can time recovery (first acknowledged write sent after it).
 */
export interface FaultContext {
  readonly cluster: FaultCluster;
  readonly workload: Workload;
  readonly cli: string;
  readonly topic: string;
  readonly partitions: number;
  readonly random: () => number;
  readonly restartTimeoutMs: number;
  /** Messages a killed follower falls behind by (the soak default is ≈ 100 MiB of them). */
  readonly behindMessages: number;
}

export interface FaultResult {
  readonly name: string;
  readonly detail: string;
  /** performance.now() when the fault hit. */
  readonly at: number;
  /** The partition whose availability the fault targets. */
  readonly partition: number;
}

export type Fault = (ctx: FaultContext) => Promise<FaultResult>;

const HOLD_MS = 3_000;

function hold(ms: number): Promise<void> {
  // Holding a fault for a while is the point of the fault, not a synchronisation.
  return new Promise((resolve) => setTimeout(resolve, ms));
}

function pick<T>(random: () => number, items: readonly T[]): T {
  return items[Math.floor(random() * items.length)] as T;
}

async function followerOf(ctx: FaultContext, partition: number): Promise<number> {
  const { leader } = await partitionLeader(ctx.cluster, ctx.topic, partition);
  return pick(ctx.random, runningNodes(ctx.cluster).filter((id) => id !== leader));
}

export const killLeader: Fault = async (ctx) => {
  const partition = Math.floor(ctx.random() * ctx.partitions);
  const { leader } = await partitionLeader(ctx.cluster, ctx.topic, partition);
  const at = performance.now();
  await ctx.cluster.kill(leader);
  await hold(HOLD_MS);
  await ctx.cluster.restart(leader, ctx.restartTimeoutMs);
  return { name: 'kill-leader', detail: `node ${leader} (partition ${partition})`, at, partition };
};

export const killMetaLeader: Fault = async (ctx) => {
  const leader = await currentMetaLeader(ctx.cluster);
  const at = performance.now();
  await ctx.cluster.kill(leader);
  await hold(HOLD_MS);
  await ctx.cluster.restart(leader, ctx.restartTimeoutMs);
  return { name: 'kill-meta-leader', detail: `node ${leader}`, at, partition: 0 };
};

export const pauseLeader: Fault = async (ctx) => {
  const partition = Math.floor(ctx.random() * ctx.partitions);
  const { leader } = await partitionLeader(ctx.cluster, ctx.topic, partition);
  const at = performance.now();
  ctx.cluster.pause(leader);
  await hold(HOLD_MS);
  ctx.cluster.resume(leader);
  return { name: 'sigstop-leader', detail: `node ${leader} for ${HOLD_MS} ms`, at, partition };
};

export const isolateLeader: Fault = async (ctx) => {
  const partition = Math.floor(ctx.random() * ctx.partitions);
  const { leader } = await partitionLeader(ctx.cluster, ctx.topic, partition);
  const port = await ctx.cluster.adminPort(leader);
  const at = performance.now();
  for (const peer of ctx.cluster.nodes.map((n) => n.id).filter((id) => id !== leader)) await setLinkFault(port, { peer, direction: 'both', dropProbability: 1 });
  await hold(2 * HOLD_MS);
  await healLinks(port);
  return { name: 'isolate-leader', detail: `node ${leader} for ${2 * HOLD_MS} ms`, at, partition };
};

export const followerBehind: Fault = async (ctx) => {
  const partition = Math.floor(ctx.random() * ctx.partitions);
  const follower = await followerOf(ctx, partition);
  const at = performance.now();
  await ctx.cluster.kill(follower);
  await ctx.workload.waitForAcks(ctx.workload.acked.length + ctx.behindMessages, 600_000);
  await ctx.cluster.restart(follower, ctx.restartTimeoutMs);
  return { name: 'follower-behind', detail: `node ${follower}, ${ctx.behindMessages} messages`, at, partition };
};

/** A half-written next frame on every partition log of a stopped follower (a power-loss torn write). */
export const tornTail: Fault = async (ctx) => {
  const partition = Math.floor(ctx.random() * ctx.partitions);
  const follower = await followerOf(ctx, partition);
  const at = performance.now();
  await ctx.cluster.kill(follower);
  const dataDir = (ctx.cluster.nodes.find((n) => n.id === follower) as { dataDir: string }).dataDir;
  const logDir = await partitionLogDir(dataDir, ctx.topic, partition);
  if (logDir !== undefined) await appendTornFrame(ctx.cli, logDir);
  await ctx.cluster.restart(follower, ctx.restartTimeoutMs);
  return { name: 'torn-tail', detail: `node ${follower} partition ${partition}`, at, partition };
};

async function appendTornFrame(cli: string, logDir: string): Promise<void> {
  const segments = (await readdir(logDir)).filter((n) => /^\d{20}\.log$/.test(n)).sort();
  const last = segments.at(-1);
  const frames = (await readReplicaLog(cli, -1, logDir)).frames;
  const lastFrame = frames.at(-1);
  if (last === undefined || lastFrame === undefined) return;
  const data = Buffer.alloc(300, 0x41);
  await appendFile(join(logDir, last), Buffer.concat([encodeFrameHeader({ index: lastFrame.index + 1, term: lastFrame.term, type: 2, data }), data.subarray(0, 100)]));
}

export const FAULTS: Readonly<Record<string, Fault>> = {
  'kill-leader': killLeader,
  'kill-meta-leader': killMetaLeader,
  'sigstop-leader': pauseLeader,
  'isolate-leader': isolateLeader,
  'follower-behind': followerBehind,
  'torn-tail': tornTail,
};
