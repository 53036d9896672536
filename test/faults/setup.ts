import { CLI as DIST_CLI, ProcessCluster } from '../helpers/process-cluster.js';

/** Settings every fault-suite cluster runs with: the fault route on, groups rebalancing at once. */
export const FAULT_ARGS = ['--set', 'admin.faults.enable=true', '--set', 'group.initial.rebalance.delay.ms=0', '--set', 'offsets.topic.num.partitions=3'] as const;

/**
 * The built CLI the nodes (and `chronik inspect`) run. FAULTS_CLI points at another build,
 * e.g. a private `tsc --outDir` copy while dist/ is being rebuilt by someone else.
 */
export const CLI = process.env.FAULTS_CLI ?? DIST_CLI;

export function startFaultCluster(nodes: number, extra: readonly string[] = []): Promise<ProcessCluster> {
  return ProcessCluster.start({ nodes, extraArgs: [...FAULT_ARGS, ...extra], cli: CLI, startTimeoutMs: START_TIMEOUT_MS });
}

/** With FAULTS_DEBUG set, prints each node's last log lines (and stderr) — for diagnosing a failure. */
export function debugDump(cluster: ProcessCluster | undefined): void {
  if (process.env.FAULTS_DEBUG === undefined || cluster === undefined) return;
  for (const n of cluster.nodes) console.log(`node ${n.id}:`, n.lines.slice(-20).map((l) => JSON.stringify(l)).join('\n  '));
}

/** Generous start/restart bounds: CI machines are small and shared (a loaded node starts in seconds). */
export const START_TIMEOUT_MS = 90_000;
export const RESTART_TIMEOUT_MS = 60_000;
