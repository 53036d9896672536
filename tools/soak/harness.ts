import { Kafka, logLevel } from 'kafkajs';
import { checkHistory, type CheckReport, type ReplicaDivergence } from './checker.js';
import { committedOffsets, compareCluster, readAll } from './collect.js';
import { metaLeader, raftGroups, waitReady } from './admin-client.js';
import type { Workload } from './workload.js';

/**
 * What the fault scenarios need of a cluster of real node processes (test/helpers/process-cluster
 * provides it). Kept structural so that the soak runner and the tests share the same steps.
 */
export interface FaultCluster {
  readonly nodes: readonly { readonly id: number; readonly dataDir: string }[];
  readonly brokers: string[];
  broker(id: number): string;
  kill(id: number): Promise<void>;
  restart(id: number, timeoutMs?: number): Promise<void>;
  pause(id: number): void;
  resume(id: number): void;
  isRunning(id: number): boolean;
  adminPort(id: number, timeoutMs?: number): Promise<number>;
}

export function runningNodes(c: FaultCluster): number[] {
  return c.nodes.map((n) => n.id).filter((id) => c.isRunning(id));
}

/**
 * The leader of a partition as the running nodes report it: the report with the highest term that
 * names a running node. Throws when no running node knows one (call it after an ack on the partition).
 */
export async function partitionLeader(c: FaultCluster, topic: string, partition: number): Promise<{ leader: number; term: number }> {
  let best: { leader: number; term: number } | undefined;
  for (const id of runningNodes(c)) {
    const groups = await raftGroups(await c.adminPort(id)).catch(() => []);
    const g = groups.find((x) => x.topic === topic && x.partition === partition);
    if (g === undefined || g.leader === null || !c.isRunning(g.leader)) continue;
    if (best === undefined || g.term > best.term) best = { leader: g.leader, term: g.term };
  }
  if (best === undefined) throw new Error(`no running node knows a leader of ${topic}-${partition}`);
  return best;
}

/** The __meta leader most running nodes name (a stale view on one node is outvoted). */
export async function currentMetaLeader(c: FaultCluster): Promise<number> {
  const votes = new Map<number, number>();
  for (const id of runningNodes(c)) {
    const leader = await metaLeader(await c.adminPort(id)).catch(() => null);
    if (leader !== null && c.isRunning(leader)) votes.set(leader, (votes.get(leader) ?? 0) + 1);
  }
  const ranked = [...votes].sort((a, b) => b[1] - a[1]);
  if (ranked[0] === undefined) throw new Error('no running node knows a live __meta leader');
  return ranked[0][0];
}

/** Waits (server-side, event-driven) until every running node serves and is in every ISR it hosts. */
export async function waitAllInSync(c: FaultCluster, timeoutMs: number): Promise<void> {
  await Promise.all(runningNodes(c).map(async (id) => waitReady(await c.adminPort(id), timeoutMs, true)));
}

/**
 * Waits until, for every partition of `topic`, the leader has committed its whole log and every
 * follower's match index reached it. The admin API has no event for this, so it is a bounded
 * re-check with a short backoff (after the workload stopped, convergence takes a few heartbeats).
 */
export async function waitConverged(c: FaultCluster, topic: string, timeoutMs: number): Promise<void> {
  const deadline = performance.now() + timeoutMs;
  let lagging = 'no answer';
  while (performance.now() < deadline) {
    lagging = await convergenceLag(c, topic);
    if (lagging === '') return;
    await new Promise((resolve) => setTimeout(resolve, CONVERGE_BACKOFF_MS));
  }
  throw new Error(`${topic}: replicas not converged within ${timeoutMs} ms: ${lagging}`);
}

const CONVERGE_BACKOFF_MS = 100;

/** '' when converged, else which partition lags (as the leader reports it). */
async function convergenceLag(c: FaultCluster, topic: string): Promise<string> {
  const running = runningNodes(c);
  const leaders = new Map<number, { commit: number; lastIndex: number; match: Record<string, number> }>();
  for (const id of running) {
    const groups = await raftGroups(await c.adminPort(id)).catch(() => []);
    for (const g of groups) if (g.topic === topic && g.role === 'leader' && g.partition !== undefined) leaders.set(g.partition, { commit: g.commit, lastIndex: g.lastIndex, match: g.match ?? {} });
  }
  if (leaders.size === 0) return 'no leader';
  for (const [p, l] of leaders) {
    if (l.commit < l.lastIndex) return `partition ${p}: leader commit ${l.commit} < last ${l.lastIndex}`;
    for (const id of running) {
      const m = l.match[String(id)];
      if (m !== undefined && m < l.lastIndex) return `partition ${p}: node ${id} match ${m} < ${l.lastIndex}`;
    }
  }
  return '';
}

export interface FinishOptions {
  readonly cli: string;
  readonly topic: string;
  readonly partitions: number;
  readonly groupId?: string;
  /** Every node must hold the whole committed log (all nodes are running and were waited in sync). */
  readonly requireComplete: boolean;
  readonly inSyncTimeoutMs?: number;
  /** More topics with their own workloads, checked in the same run (producer names must differ). */
  readonly also?: readonly { readonly workload: Workload; readonly topic: string; readonly partitions: number }[];
}

/**
 * Ends a run: stops the workload, waits for the replicas to converge, reads everything back, then
 * SIGKILLs every node and compares their logs on disk. Returns the checker's report.
 */
export async function finishAndCheck(c: FaultCluster, workload: Workload, o: FinishOptions): Promise<CheckReport> {
  const runs = [{ workload, topic: o.topic, partitions: o.partitions }, ...(o.also ?? [])];
  await Promise.all(runs.map((r) => r.workload.stop()));
  await waitAllInSync(c, o.inSyncTimeoutMs ?? 60_000);
  if (o.requireComplete) for (const r of runs) await waitConverged(c, r.topic, o.inSyncTimeoutMs ?? 60_000);
  const live = runningNodes(c).map((id) => c.broker(id));
  const read = (await Promise.all(runs.map((r) => readAll(live, r.topic)))).flat();
  const final = o.groupId === undefined ? undefined : await committedOffsets(live, o.groupId, o.topic);
  for (const n of c.nodes) await c.kill(n.id);
  const divergence: ReplicaDivergence[] = [];
  for (const r of runs) divergence.push(...(await compareCluster(o.cli, c.nodes.map((n) => n.dataDir), r.topic, r.partitions, o.requireComplete)).divergence);
  const commits = workload.consumers.flatMap((m) => m.commits);
  return checkHistory({
    acked: runs.flatMap((r) => r.workload.acked),
    read,
    replicas: divergence,
    ...(final === undefined ? {} : { groups: { acked: commits, final } }),
  });
}

/** Creates a topic through kafkajs admin (waits for leaders, as kafkajs does by default). */
export async function createTopic(brokers: readonly string[], topic: string, partitions: number, replicationFactor: number): Promise<void> {
  const admin = new Kafka({ brokers: [...brokers], clientId: 'faults-admin', logLevel: logLevel.NOTHING, retry: { retries: 10, initialRetryTime: 100 } }).admin();
  await admin.connect();
  try {
    await admin.createTopics({ topics: [{ topic, numPartitions: partitions, replicationFactor }], waitForLeaders: true });
  } finally {
    await admin.disconnect();
  }
}

/** p-th percentile (0–100) of a sample, nearest rank; NaN for an empty sample. */
export function percentile(sample: readonly number[], p: number): number {
  if (sample.length === 0) return Number.NaN;
  const sorted = [...sample].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))] as number;
}
